import { useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { asApiError } from '@/api/errors';
import { jobsQuery, useJobAction, type JobStateFilter } from '@/features/admin/api/admin-queries';
import { formatDateTime } from '@/features/admin/lib/format-time';
import { ErrorAlert } from '@/shared/components/alert';
import { Button } from '@/shared/components/button';
import { Panel } from '@/shared/components/panel';
import { LoadingRegion, Skeleton } from '@/shared/components/skeleton';
import { cn } from '@/shared/lib/cn';

const STATES: JobStateFilter[] = ['', 'queued', 'running', 'retrying', 'dead', 'succeeded', 'discarded'];

const STATE_STYLE: Record<string, string> = {
  queued: 'bg-slate-100 text-slate-700',
  running: 'bg-indigo-50 text-indigo-700',
  succeeded: 'bg-emerald-50 text-emerald-700',
  retrying: 'bg-amber-50 text-amber-800',
  dead: 'bg-red-50 text-red-700',
  discarded: 'bg-slate-100 text-slate-500',
};

/** The job queue: state, attempts, progress and last error; retry dead jobs, discard unfinished ones. */
export function JobsPanel({ canEdit }: { canEdit: boolean }) {
  const [state, setState] = useState<JobStateFilter>('');
  const jobs = useQuery(jobsQuery(state));
  const action = useJobAction();
  const filterId = useId();
  const counts = jobs.data?.counts;

  return (
    <Panel
      title="Jobs"
      titleId="jobs-title"
      description="Background work in the queue: syncs, imports and housekeeping. Updates live; dead jobs need an admin."
    >
      <div className="mb-3 flex flex-wrap items-end gap-3">
        <div>
          <label htmlFor={filterId} className="mb-1 block text-xs font-medium text-slate-600">
            State
          </label>
          <select
            id={filterId}
            value={state}
            onChange={(e) => {
              setState(e.target.value as JobStateFilter);
            }}
            className="h-9 rounded-md border-0 bg-white px-2 text-sm ring-1 ring-inset ring-slate-300"
          >
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s === '' ? 'All states' : s}
              </option>
            ))}
          </select>
        </div>
        {counts ? (
          <p className="text-sm text-slate-600">
            {counts.queued} queued · {counts.running} running · {counts.retrying} retrying · {counts.dead} dead ·{' '}
            {counts.succeeded} succeeded
          </p>
        ) : null}
      </div>
      {action.error ? <p className="mb-2 text-sm text-red-700">{asApiError(action.error).message}</p> : null}
      {jobs.error ? (
        <ErrorAlert title="Could not load jobs" error={jobs.error} onRetry={() => void jobs.refetch()} />
      ) : jobs.isPending ? (
        <LoadingRegion label="Loading jobs">
          <Skeleton className="h-40 w-full" />
        </LoadingRegion>
      ) : jobs.data.jobs.length === 0 ? (
        <p className="py-6 text-center text-sm text-slate-500">No jobs{state ? ` in state ${state}` : ''}.</p>
      ) : (
        <div className="overflow-x-auto">
          <table className="min-w-full divide-y divide-slate-200 text-sm">
            <caption className="sr-only">Jobs, newest first</caption>
            <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
              <tr>
                <th scope="col" className="px-3 py-2">Job</th>
                <th scope="col" className="px-3 py-2">State</th>
                <th scope="col" className="px-3 py-2">Attempts</th>
                <th scope="col" className="px-3 py-2">Progress</th>
                <th scope="col" className="px-3 py-2">Next run</th>
                <th scope="col" className="px-3 py-2">Last error</th>
                <th scope="col" className="px-3 py-2"><span className="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {jobs.data.jobs.map((j) => (
                <tr key={j.id}>
                  <th scope="row" className="px-3 py-2 text-left font-medium text-slate-900">
                    <span className="font-mono text-xs">{j.kind}</span>
                    <span className="block text-xs font-normal text-slate-500">
                      #{j.id} · {j.queue} · {formatDateTime(j.created_at)}
                    </span>
                  </th>
                  <td className="px-3 py-2">
                    <span className={cn('rounded px-1.5 py-0.5 text-xs font-medium', STATE_STYLE[j.state])}>{j.state}</span>
                  </td>
                  <td className="px-3 py-2 tabular-nums">
                    {j.attempts} / {j.max_attempts}
                  </td>
                  <td className="px-3 py-2">
                    <progress max={100} value={j.progress} aria-label={`Progress of job ${String(j.id)}`} className="h-2 w-20" />
                    <span className="ml-2 text-xs tabular-nums text-slate-500">{j.progress}%</span>
                  </td>
                  <td className="px-3 py-2 text-xs">{j.finished_at ? '—' : formatDateTime(j.run_at)}</td>
                  <td className="max-w-72 truncate px-3 py-2 text-xs text-red-700" title={j.last_error ?? undefined}>
                    {j.last_error ?? ''}
                  </td>
                  <td className="space-x-2 px-3 py-2 text-right whitespace-nowrap">
                    {j.state === 'dead' || j.state === 'discarded' ? (
                      <Button size="sm" disabled={!canEdit || action.isPending} onClick={() => { action.mutate({ id: j.id, action: 'retry' }); }}>
                        Retry
                      </Button>
                    ) : null}
                    {j.state !== 'succeeded' && j.state !== 'discarded' ? (
                      <Button size="sm" variant="ghost" disabled={!canEdit || action.isPending} onClick={() => { action.mutate({ id: j.id, action: 'discard' }); }}>
                        Discard
                      </Button>
                    ) : null}
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
