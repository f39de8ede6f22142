import { useQuery } from '@tanstack/react-query';
import { asApiError } from '@/api/errors';
import { sessionsQuery, useRevokeSession } from '@/features/admin/api/admin-queries';
import { formatDateTime } from '@/features/admin/lib/format-time';
import { ErrorAlert } from '@/shared/components/alert';
import { Button } from '@/shared/components/button';
import { Panel } from '@/shared/components/panel';
import { LoadingRegion, Skeleton } from '@/shared/components/skeleton';

export function SessionsPanel({ canEdit }: { canEdit: boolean }) {
  const sessions = useQuery(sessionsQuery);
  const revoke = useRevokeSession();
  return (
    <Panel title="Sessions" titleId="sessions-title" description="Everyone's live sessions. Ending one signs that browser out at its next request.">
      {revoke.error ? <p className="mb-2 text-sm text-red-700">{asApiError(revoke.error).message}</p> : null}
      {sessions.error ? (
        <ErrorAlert title="Could not load sessions" error={sessions.error} onRetry={() => void sessions.refetch()} />
      ) : sessions.isPending ? (
        <LoadingRegion label="Loading sessions">
          <Skeleton className="h-40 w-full" />
        </LoadingRegion>
      ) : (
        <div className="overflow-x-auto">
          <table className="min-w-full divide-y divide-slate-200 text-sm">
            <caption className="sr-only">Live sessions</caption>
            <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
              <tr>
                <th scope="col" className="px-3 py-2">User</th>
                <th scope="col" className="px-3 py-2">Started</th>
                <th scope="col" className="px-3 py-2">Last request</th>
                <th scope="col" className="px-3 py-2">Ends</th>
                <th scope="col" className="px-3 py-2">Address</th>
                <th scope="col" className="px-3 py-2">Browser</th>
                <th scope="col" className="px-3 py-2"><span className="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {sessions.data.sessions.map((s) => (
                <tr key={s.id}>
                  <th scope="row" className="px-3 py-2 text-left font-medium text-slate-900">
                    {s.user_email}
                    {s.current ? <span className="ml-2 rounded bg-indigo-50 px-1.5 text-xs text-indigo-700">this session</span> : null}
                  </th>
                  <td className="px-3 py-2">{formatDateTime(s.created_at)}</td>
                  <td className="px-3 py-2">{formatDateTime(s.last_seen_at)}</td>
                  <td className="px-3 py-2">{formatDateTime(s.expires_at)}</td>
                  <td className="px-3 py-2 font-mono text-xs">{s.ip ?? '—'}</td>
                  <td className="max-w-56 truncate px-3 py-2 text-xs text-slate-500" title={s.user_agent ?? undefined}>
                    {s.user_agent ?? '—'}
                  </td>
                  <td className="px-3 py-2 text-right">
                    <Button size="sm" disabled={!canEdit || s.current || revoke.isPending} onClick={() => { revoke.mutate(s.id); }}>
                      End session
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}
