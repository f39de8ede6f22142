import { useQueryClient } from '@tanstack/react-query';
import { useId, useState, type SubmitEvent } from 'react';
import { authKeys, steppedUp, useConfirmMfa, useEnrollMfa, useVerifyMfa, type Me } from '@/features/auth/api/auth-queries';
import { ErrorAlert } from '@/shared/components/alert';
import { Button } from '@/shared/components/button';
import { Panel } from '@/shared/components/panel';

const input = 'h-9 w-32 rounded-md border border-slate-300 px-2 text-sm tabular-nums focus:border-indigo-500 focus:outline-none';

function codeOf(event: SubmitEvent<HTMLFormElement>): string {
  event.preventDefault();
  const code = new FormData(event.currentTarget).get('code');
  return typeof code === 'string' ? code.trim() : '';
}

/** Setting up two-factor sign-in: QR code and secret, a first code, then the recovery codes. */
export function MfaEnrollPanel() {
  const queryClient = useQueryClient();
  const enroll = useEnrollMfa();
  const confirm = useConfirmMfa();
  const codeId = useId();
  const [done, setDone] = useState(false);

  if (confirm.data) {
    return (
      <Panel title="Two-factor sign-in is on" titleId="mfa-done-title" description="Keep these recovery codes somewhere safe: each signs in once if you lose your phone. They are not shown again.">
        <ul aria-label="Recovery codes" className="grid max-w-md grid-cols-2 gap-2 font-mono text-sm">
          {confirm.data.codes.map((c) => (
            <li key={c} className="rounded bg-slate-100 px-2 py-1">
              {c}
            </li>
          ))}
        </ul>
        <Button
          className="mt-4"
          variant="primary"
          disabled={done}
          onClick={() => {
            setDone(true);
            void queryClient.invalidateQueries({ queryKey: authKeys.me });
          }}
        >
          I have saved them — continue
        </Button>
      </Panel>
    );
  }

  return (
    <Panel
      title="Set up two-factor sign-in"
      titleId="mfa-title"
      description="Administration needs a second factor: an authenticator app (such as Google Authenticator, 1Password or Authy) that shows a new 6-digit code every 30 seconds."
    >
      {!enroll.data ? (
        <>
          {enroll.error ? <ErrorAlert title="Could not start" error={enroll.error} /> : null}
          <Button variant="primary" disabled={enroll.isPending} onClick={() => { enroll.mutate(); }}>
            Start setup
          </Button>
        </>
      ) : (
        <div className="flex flex-wrap gap-6">
          <img
            src={`data:image/svg+xml;utf8,${encodeURIComponent(enroll.data.qr_svg)}`}
            alt="QR code to scan with your authenticator app"
            className="size-48 rounded border border-slate-200"
          />
          <div className="min-w-64 flex-1 space-y-3 text-sm">
            <p>Scan the code, or type this key into the app:</p>
            <p className="font-mono text-sm break-all text-slate-900" data-testid="mfa-secret">
              {enroll.data.secret}
            </p>
            <form
              className="flex flex-wrap items-end gap-2"
              onSubmit={(event) => {
                confirm.mutate(codeOf(event));
              }}
            >
              <label htmlFor={codeId} className="flex flex-col gap-1 text-xs font-medium text-slate-600">
                Code from the app
                <input id={codeId} name="code" inputMode="numeric" autoComplete="one-time-code" required className={input} />
              </label>
              <Button type="submit" variant="primary" disabled={confirm.isPending}>
                Turn on
              </Button>
            </form>
            {confirm.error ? <ErrorAlert title="Code not accepted" error={confirm.error} /> : null}
          </div>
        </div>
      )}
    </Panel>
  );
}

/** Admin changes and exports need a code from the last 5 minutes; this asks for one. */
export function StepUpBar({ me }: { me: Me }) {
  const verify = useVerifyMfa();
  const codeId = useId();
  if (steppedUp(me)) {
    return (
      <p role="status" className="mb-4 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
        Confirmed with your authenticator: admin changes are allowed until{' '}
        {new Date(me.step_up_until ?? '').toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}.
      </p>
    );
  }
  return (
    <form
      aria-label="Confirm with your authenticator"
      className="mb-4 flex flex-wrap items-end gap-2 rounded-md border border-amber-200 bg-amber-50 px-3 py-2"
      onSubmit={(event) => {
        verify.mutate(codeOf(event));
      }}
    >
      <p className="mr-2 text-sm text-amber-900">Admin changes and exports need a code from your authenticator app (valid 5 minutes).</p>
      <label htmlFor={codeId} className="flex flex-col gap-1 text-xs font-medium text-amber-900">
        Code
        <input id={codeId} name="code" inputMode="numeric" autoComplete="one-time-code" required className={input} />
      </label>
      <Button type="submit" size="md" disabled={verify.isPending}>
        Confirm
      </Button>
      {verify.error ? <span className="text-sm text-red-700">{verify.error.message}</span> : null}
    </form>
  );
}
