import { useQuery } from '@tanstack/react-query';
import { useState, type SubmitEvent } from 'react';
import { auditExportHref, auditQuery, useVerifyAudit, type AuditFilters } from '@/features/admin/api/admin-queries';
import { formatDateTime } from '@/features/admin/lib/format-time';
import { ErrorAlert } from '@/shared/components/alert';
import { Button, buttonClass } from '@/shared/components/button';
import { Panel } from '@/shared/components/panel';
import { LoadingRegion, Skeleton } from '@/shared/components/skeleton';
import { cn } from '@/shared/lib/cn';

const input = 'h-9 rounded-md border border-slate-300 px-2 text-sm focus:border-indigo-500 focus:outline-none';

function VerifyButton() {
  const verify = useVerifyAudit();
  return (
    <div className="flex flex-wrap items-center gap-2">
      <Button size="sm" onClick={() => { verify.mutate(); }} disabled={verify.isPending}>
        {verify.isPending ? 'Verifying…' : 'Verify chain'}
      </Button>
      <span role="status" className={cn('text-sm', verify.data?.valid === false ? 'font-medium text-red-700' : 'text-emerald-700')}>
        {verify.data ? verify.data.message : verify.error ? 'Verification failed to run' : ''}
      </span>
    </div>
  );
}

export function AuditPanel() {
  const [draft, setDraft] = useState<AuditFilters>({});
  const [filters, setFilters] = useState<AuditFilters>({});
  const [limit, setLimit] = useState(100);
  const audit = useQuery(auditQuery(filters, limit));

  const submit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    setLimit(100);
    setFilters(draft);
  };

  return (
    <Panel
      title="Audit log"
      titleId="audit-title"
      description="Every change and sign-in event, hash-chained: an edit or deletion made behind Sentia's back is found by verification."
      actions={
        <>
          <VerifyButton />
          <a className={buttonClass('secondary', 'sm')} href={auditExportHref(filters)} download>
            Export CSV
          </a>
        </>
      }
    >
      <form onSubmit={submit} className="mb-3 flex flex-wrap items-end gap-2" aria-label="Filter the audit log">
        <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
          Action
          <input className={input} placeholder="auth. or user.update" value={draft.action ?? ''} onChange={(e) => { setDraft({ ...draft, action: e.target.value }); }} />
        </label>
        <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
          Entity
          <input className={input} placeholder="user, role, session…" value={draft.entity ?? ''} onChange={(e) => { setDraft({ ...draft, entity: e.target.value }); }} />
        </label>
        <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
          Search
          <input className={input} type="search" value={draft.q ?? ''} onChange={(e) => { setDraft({ ...draft, q: e.target.value }); }} />
        </label>
        <Button type="submit" size="md">
          Apply
        </Button>
      </form>
      {audit.error ? (
        <ErrorAlert title="Could not load the audit log" error={audit.error} onRetry={() => void audit.refetch()} />
      ) : audit.isPending ? (
        <LoadingRegion label="Loading the audit log">
          <Skeleton className="h-40 w-full" />
        </LoadingRegion>
      ) : audit.data.entries.length === 0 ? (
        <p className="text-sm text-slate-500">No audit rows match.</p>
      ) : (
        <>
          <div className="overflow-x-auto">
            <table className="min-w-full divide-y divide-slate-200 text-sm">
              <caption className="sr-only">Audit rows, newest first</caption>
              <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                <tr>
                  <th scope="col" className="px-3 py-2">#</th>
                  <th scope="col" className="px-3 py-2">When</th>
                  <th scope="col" className="px-3 py-2">Who</th>
                  <th scope="col" className="px-3 py-2">Action</th>
                  <th scope="col" className="px-3 py-2">Entity</th>
                  <th scope="col" className="px-3 py-2">Details</th>
                  <th scope="col" className="px-3 py-2">Address</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {audit.data.entries.map((e) => (
                  <tr key={e.id}>
                    <td className="px-3 py-2 tabular-nums text-slate-500">{e.id}</td>
                    <td className="px-3 py-2 whitespace-nowrap">{formatDateTime(e.occurred_at)}</td>
                    <td className="px-3 py-2">{e.user_email ?? e.subject ?? '—'}</td>
                    <th scope="row" className="px-3 py-2 text-left font-mono text-xs font-medium text-slate-900">
                      {e.action}
                    </th>
                    <td className="px-3 py-2 text-xs">
                      {e.entity}
                      {e.entity_id ? ` ${e.entity_id}` : ''}
                    </td>
                    <td className="max-w-md truncate px-3 py-2 font-mono text-xs text-slate-600" title={JSON.stringify(e.details)}>
                      {JSON.stringify(e.details)}
                    </td>
                    <td className="px-3 py-2 font-mono text-xs">{e.ip ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {audit.data.next_before_id != null && limit < 500 ? (
            <Button className="mt-3" size="sm" onClick={() => { setLimit(Math.min(500, limit + 100)); }}>
              Show more
            </Button>
          ) : null}
        </>
      )}
    </Panel>
  );
}
