import { useQuery } from '@tanstack/react-query';
import { useState, type SubmitEvent } from 'react';
import { asApiError } from '@/api/errors';
import {
  mySessionsQuery,
  myTokensQuery,
  useCreateToken,
  useRevokeMySession,
  useRevokeToken,
} from '@/features/account/api/account-queries';
import { ErrorAlert } from '@/shared/components/alert';
import { Button } from '@/shared/components/button';
import { PageHeader } from '@/shared/components/page-header';
import { Panel } from '@/shared/components/panel';
import { LoadingRegion, Skeleton } from '@/shared/components/skeleton';
import { APP_LOCALE } from '@/shared/lib/format';

const input = 'h-9 rounded-md border border-slate-300 px-2 text-sm focus:border-indigo-500 focus:outline-none';

function when(iso: string): string {
  return new Intl.DateTimeFormat(APP_LOCALE, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

function SessionsPanel() {
  const sessions = useQuery(mySessionsQuery);
  const revoke = useRevokeMySession();
  return (
    <Panel title="Your sessions" titleId="my-sessions-title" description="Browsers signed in as you (at most two). End any you do not recognise.">
      {sessions.error ? (
        <ErrorAlert title="Could not load your sessions" error={sessions.error} />
      ) : sessions.isPending ? (
        <LoadingRegion label="Loading your sessions">
          <Skeleton className="h-16 w-full" />
        </LoadingRegion>
      ) : (
        <ul className="divide-y divide-slate-100 text-sm">
          {sessions.data.sessions.map((s) => (
            <li key={s.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
              <span>
                <span className="font-medium text-slate-900">{s.user_agent ?? 'Unknown browser'}</span>
                <span className="block text-xs text-slate-500">
                  from {s.ip ?? 'unknown address'} · signed in {when(s.created_at)} · last active {when(s.last_seen_at)}
                </span>
              </span>
              {s.current ? (
                <span className="rounded bg-indigo-50 px-2 py-0.5 text-xs text-indigo-700">This browser</span>
              ) : (
                <Button size="sm" disabled={revoke.isPending} onClick={() => { revoke.mutate(s.id); }}>
                  End session
                </Button>
              )}
            </li>
          ))}
        </ul>
      )}
    </Panel>
  );
}

function TokensPanel({ permissions }: { permissions: string[] }) {
  const tokens = useQuery(myTokensQuery);
  const create = useCreateToken();
  const revoke = useRevokeToken();
  const usable = permissions.filter((p) => !p.startsWith('admin:'));
  const [scopes, setScopes] = useState<string[]>([]);
  const error = create.error ? asApiError(create.error) : null;

  const submit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const name = form.get('name');
    const days = Number(form.get('days'));
    create.mutate({ name: typeof name === 'string' ? name : '', scopes, expires_in_days: days });
  };

  return (
    <Panel
      title="API tokens"
      titleId="tokens-title"
      description="For scripts and other systems: send as `Authorization: Bearer <token>`. A token can do only what you chose and what your role still allows; never administration."
    >
      <form onSubmit={submit} aria-label="Create an API token" className="mb-4 space-y-3 rounded-lg border border-slate-200 p-3">
        <div className="flex flex-wrap gap-3">
          <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
            Name
            <input name="name" required className={input} placeholder="e.g. BI export" />
          </label>
          <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
            Expires in (days)
            <input name="days" type="number" min={1} max={365} defaultValue={90} required className={input} />
          </label>
        </div>
        <fieldset>
          <legend className="text-xs font-medium text-slate-600">Permissions</legend>
          <div className="mt-1 flex flex-wrap gap-3">
            {usable.map((p) => (
              <label key={p} className="flex items-center gap-1 font-mono text-xs">
                <input
                  type="checkbox"
                  checked={scopes.includes(p)}
                  onChange={(e) => {
                    setScopes(e.target.checked ? [...scopes, p] : scopes.filter((s) => s !== p));
                  }}
                />
                {p}
              </label>
            ))}
          </div>
        </fieldset>
        <Button type="submit" variant="primary" disabled={create.isPending || scopes.length === 0}>
          Create token
        </Button>
        {error ? <p className="text-sm text-red-700">{error.details[0]?.reason ?? error.message}</p> : null}
        {create.data ? (
          <div role="status" className="rounded-md bg-emerald-50 p-3 text-sm text-emerald-900">
            Copy it now — it is not shown again:
            <code className="mt-1 block font-mono text-xs break-all" data-testid="new-token">
              {create.data.token}
            </code>
          </div>
        ) : null}
      </form>
      {tokens.error ? (
        <ErrorAlert title="Could not load your tokens" error={tokens.error} />
      ) : tokens.isPending ? (
        <Skeleton className="h-16 w-full" />
      ) : tokens.data.tokens.length === 0 ? (
        <p className="text-sm text-slate-500">No tokens yet.</p>
      ) : (
        <table className="min-w-full divide-y divide-slate-200 text-sm">
          <caption className="sr-only">Your API tokens</caption>
          <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
            <tr>
              <th scope="col" className="px-3 py-2">Name</th>
              <th scope="col" className="px-3 py-2">Permissions</th>
              <th scope="col" className="px-3 py-2">Expires</th>
              <th scope="col" className="px-3 py-2">Last used</th>
              <th scope="col" className="px-3 py-2"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {tokens.data.tokens.map((t) => (
              <tr key={t.id}>
                <th scope="row" className="px-3 py-2 text-left font-medium text-slate-900">{t.name}</th>
                <td className="px-3 py-2 font-mono text-xs">{t.scopes.join(', ')}</td>
                <td className="px-3 py-2">{when(t.expires_at)}</td>
                <td className="px-3 py-2">{t.last_used_at ? when(t.last_used_at) : 'never'}</td>
                <td className="px-3 py-2 text-right">
                  {t.revoked_at ? (
                    <span className="text-xs text-slate-500">Revoked</span>
                  ) : (
                    <Button size="sm" disabled={revoke.isPending} onClick={() => { revoke.mutate(t.id); }}>
                      Revoke
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

/** The signed-in user's own sessions and API tokens. */
export function AccountPage({ permissions, tokensEnabled }: { permissions: string[]; tokensEnabled: boolean }) {
  return (
    <>
      <PageHeader title="Your account" description="Where you are signed in, and the tokens your scripts use." />
      <div className="space-y-6">
        <SessionsPanel />
        {tokensEnabled ? <TokensPanel permissions={permissions} /> : null}
      </div>
    </>
  );
}
