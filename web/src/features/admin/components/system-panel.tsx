import { useQuery } from '@tanstack/react-query';
import { healthQuery } from '@/features/admin/api/admin-queries';
import { formatDateTime } from '@/features/admin/lib/format-time';
import { ErrorAlert } from '@/shared/components/alert';
import { Panel } from '@/shared/components/panel';
import { LoadingRegion, Skeleton } from '@/shared/components/skeleton';

function uptime(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return d > 0 ? `${d} d ${h} h` : h > 0 ? `${h} h ${m} min` : `${m} min`;
}

function Fact({ label, value }: { label: string; value: string }) {
  return (
    <div className="rounded-lg border border-slate-200 p-3">
      <dt className="text-xs font-medium text-slate-500">{label}</dt>
      <dd className="mt-1 text-sm font-semibold text-slate-900">{value}</dd>
    </div>
  );
}

export function SystemPanel() {
  const health = useQuery(healthQuery);
  return (
    <Panel title="System health" titleId="system-title" description="This instance, its database and its background jobs; refreshed every 15 s.">
      {health.error ? (
        <ErrorAlert title="Could not load system health" error={health.error} onRetry={() => void health.refetch()} />
      ) : health.isPending ? (
        <LoadingRegion label="Loading system health">
          <Skeleton className="h-24 w-full" />
        </LoadingRegion>
      ) : (
        <dl className="grid gap-3 sm:grid-cols-3 lg:grid-cols-4">
          <Fact label="Database" value={`${health.data.database.status} · ${health.data.database.backend} · ${health.data.database.latency_ms.toFixed(1)} ms`} />
          <Fact label="Version" value={health.data.version} />
          <Fact label="Uptime" value={uptime(health.data.uptime_s)} />
          <Fact
            label="Forecast jobs"
            value={
              health.data.jobs.running > 0
                ? `${health.data.jobs.running} running`
                : health.data.jobs.last_state
                  ? `last ${health.data.jobs.last_state}${health.data.jobs.last_finished_at ? ` ${formatDateTime(health.data.jobs.last_finished_at)}` : ''}`
                  : 'none yet'
            }
          />
          <Fact
            label="Job queue"
            value={`${health.data.queue.running} running · ${health.data.queue.queued + health.data.queue.retrying} waiting · ${health.data.queue.dead} dead`}
          />
          <Fact label="Users" value={`${health.data.active_users} active of ${health.data.users}`} />
          <Fact label="Live sessions" value={String(health.data.live_sessions)} />
          <Fact label="Audit rows" value={String(health.data.audit_rows)} />
          {health.data.jobs.last_error ? <Fact label="Last job error" value={health.data.jobs.last_error} /> : null}
        </dl>
      )}
    </Panel>
  );
}
