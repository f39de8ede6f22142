import { useQuery } from '@tanstack/react-query';
import { useId, type SubmitEvent } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { meQuery, providersQuery, useLogin, useLogout, useVerifyMfa } from '@/features/auth/api/auth-queries';
import { Alert, ErrorAlert } from '@/shared/components/alert';
import { Button } from '@/shared/components/button';

/** Only same-app paths are allowed as a post-login destination. */
function safeNext(next: string | null): string {
  return next?.startsWith('/') && !next.startsWith('//') ? next : '/';
}

/** What the sign-in page says for each `sso_error` the provider callback reports. */
const SSO_ERRORS: Record<string, string> = {
  denied: 'The identity provider did not sign you in (cancelled or refused).',
  expired: 'The sign-in took too long or was started in another browser. Start again.',
  state: 'The sign-in could not be matched to this browser. Start again.',
  token: 'The identity provider’s answer could not be verified.',
  account: 'Your account is not active in Sentia, or the provider gave no e-mail address.',
};

const inputClass =
  'block h-10 w-full rounded-md border-0 bg-white px-3 text-sm text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-inset focus:ring-indigo-600 focus-visible:outline-none';

export function LoginPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const me = useQuery({ ...meQuery, retry: false });
  const providers = useQuery(providersQuery);
  const login = useLogin();
  const emailId = useId();
  const passwordId = useId();
  const next = safeNext(params.get('next'));
  const ssoError = params.get('sso_error');
  const oidc = providers.data?.oidc;

  if (me.data && !me.data.mfa_pending) return <Navigate to={next} replace />;
  if (me.data?.mfa_pending) return <MfaStep next={next} />;

  function onSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = form.get('email');
    const password = form.get('password');
    login.mutate(
      {
        email: typeof email === 'string' ? email.trim() : '',
        password: typeof password === 'string' ? password : '',
      },
      {
        onSuccess: (signedIn) => {
          // With two-factor sign-in the page asks for the code next (the cached user is pending).
          if (!signedIn.mfa_pending) void navigate(next, { replace: true });
        },
      },
    );
  }

  return (
    <main className="flex min-h-dvh items-center justify-center bg-slate-50 px-4 py-12">
      <div className="w-full max-w-sm">
        <div className="mb-8 flex items-center justify-center gap-2">
          <img src="/favicon.svg" alt="" className="size-9" />
          <span className="text-xl font-semibold tracking-tight text-slate-900">Sentia</span>
        </div>
        <div className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm sm:p-8">
          <h1 className="text-lg font-semibold text-slate-900">Sign in</h1>
          <p className="mt-1 text-sm text-slate-500">Use your Sentia account to continue.</p>
          {ssoError ? (
            <div className="mt-6">
              <Alert title="Single sign-on did not complete">
                {SSO_ERRORS[ssoError] ?? 'Try again, or sign in with your password.'}
              </Alert>
            </div>
          ) : null}
          {oidc ? (
            <>
              <a
                href={`${oidc.start_url}?next=${encodeURIComponent(next)}`}
                className="mt-6 flex h-10 w-full items-center justify-center rounded-md bg-white text-sm font-medium text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600"
              >
                Sign in with {oidc.label}
              </a>
              <div className="mt-6 flex items-center gap-3 text-xs text-slate-400" aria-hidden="true">
                <span className="h-px flex-1 bg-slate-200" />
                or
                <span className="h-px flex-1 bg-slate-200" />
              </div>
            </>
          ) : null}
          <form className="mt-6 space-y-4" onSubmit={onSubmit}>
            {login.isError ? <ErrorAlert title="Sign-in failed" error={login.error} /> : null}
            <div>
              <label htmlFor={emailId} className="mb-1.5 block text-sm font-medium text-slate-700">
                Email
              </label>
              <input
                id={emailId}
                name="email"
                type="email"
                autoComplete="username"
                required
                autoFocus
                className={inputClass}
              />
            </div>
            <div>
              <label htmlFor={passwordId} className="mb-1.5 block text-sm font-medium text-slate-700">
                Password
              </label>
              <input
                id={passwordId}
                name="password"
                type="password"
                autoComplete="current-password"
                required
                className={inputClass}
              />
            </div>
            <Button type="submit" variant="primary" className="w-full" disabled={login.isPending}>
              {login.isPending ? 'Signing in…' : 'Sign in'}
            </Button>
          </form>
        </div>
      </div>
    </main>
  );
}

/** The second sign-in step: a code from the authenticator app, or a recovery code. */
function MfaStep({ next }: { next: string }) {
  const navigate = useNavigate();
  const verify = useVerifyMfa();
  const logout = useLogout();
  const codeId = useId();

  function onSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const code = new FormData(event.currentTarget).get('code');
    verify.mutate(typeof code === 'string' ? code.trim() : '', {
      onSuccess: () => {
        void navigate(next, { replace: true });
      },
    });
  }

  return (
    <main className="flex min-h-dvh items-center justify-center bg-slate-50 px-4 py-12">
      <div className="w-full max-w-sm rounded-xl border border-slate-200 bg-white p-6 shadow-sm sm:p-8">
        <h1 className="text-lg font-semibold text-slate-900">Two-factor sign-in</h1>
        <p className="mt-1 text-sm text-slate-500">Enter the 6-digit code from your authenticator app, or one of your recovery codes.</p>
        <form className="mt-6 space-y-4" onSubmit={onSubmit}>
          {verify.isError ? <ErrorAlert title="Code not accepted" error={verify.error} /> : null}
          <div>
            <label htmlFor={codeId} className="mb-1.5 block text-sm font-medium text-slate-700">
              Code
            </label>
            <input id={codeId} name="code" inputMode="numeric" autoComplete="one-time-code" required autoFocus className={inputClass} />
          </div>
          <Button type="submit" variant="primary" className="w-full" disabled={verify.isPending}>
            {verify.isPending ? 'Checking…' : 'Continue'}
          </Button>
          <Button variant="ghost" className="w-full" onClick={() => { logout.mutate(); }}>
            Use another account
          </Button>
        </form>
      </div>
    </main>
  );
}
