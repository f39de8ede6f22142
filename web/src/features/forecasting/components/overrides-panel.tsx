import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import {
  overridesQuery,
  useCreateOverride,
  type ForecastOverride,
  type SeriesDetail,
} from '@/features/forecasting/api/forecasting-queries';
import { metric } from '@/features/forecasting/components/model-table';
import { OverrideForm } from '@/features/forecasting/components/override-form';
import { ErrorAlert } from '@/shared/components/alert';
import { EmptyState } from '@/shared/components/empty-state';
import { Panel } from '@/shared/components/panel';

function scoreText(o: ForecastOverride): string {
  const s = o.score;
  if (s.status === 'pending') return 'Pending: week not complete';
  if (s.status === 'unscorable') return 'Not scored: stockout or no data';
  const verdict = s.improved === true ? 'beat the forecast' : s.improved === false ? 'did not beat the forecast' : '';
  return `Actual ${metric(s.actual, 0)}; error ${metric(s.override_error, 1)} vs forecast ${metric(s.forecast_error, 1)} ${verdict}`.trim();
}

const th = 'px-3 py-2 text-left text-xs font-semibold uppercase tracking-wide text-slate-500 whitespace-nowrap';
const td = 'px-3 py-2 text-slate-700 whitespace-nowrap';

export function OverridesPanel({ detail, canOverride }: { detail: SeriesDetail; canOverride: boolean }) {
  const titleId = useId();
  const overrides = useQuery(overridesQuery(detail.sku, detail.channel));
  const create = useCreateOverride(detail.sku, detail.channel);
  const list = overrides.data?.overrides ?? [];
  return (
    <Panel
      title="Planner overrides"
      titleId={titleId}
      description="Kept with their reason and scored against the actual once the week is complete; a new override of a week supersedes the previous one."
    >
      {canOverride ? (
        <div className="mb-4">
          <OverrideForm
            forecast={detail.forecast}
            onSubmit={(body) => {
              create.mutate(body);
            }}
            isPending={create.isPending}
            error={create.error}
          />
        </div>
      ) : null}
      {overrides.error ? (
        <ErrorAlert title="Could not load overrides" error={overrides.error} />
      ) : list.length === 0 ? (
        <EmptyState title="No overrides for this series" />
      ) : (
        <div className="overflow-x-auto">
          <table className="min-w-full divide-y divide-slate-200 text-sm" aria-label="Overrides">
            <thead className="bg-slate-50">
              <tr>
                <th scope="col" className={th}>Week</th>
                <th scope="col" className={th}>Units</th>
                <th scope="col" className={th}>Forecast then</th>
                <th scope="col" className={th}>Reason</th>
                <th scope="col" className={th}>By</th>
                <th scope="col" className={th}>Status</th>
                <th scope="col" className={th}>Score</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 bg-white">
              {list.map((o) => (
                <tr key={o.id}>
                  <td className={td}>{o.period_start}</td>
                  <td className={`${td} tabular-nums`}>{metric(o.value, 1)}</td>
                  <td className={`${td} tabular-nums`}>{metric(o.base_point, 1)}</td>
                  <td className="px-3 py-2 text-slate-700">{o.reason}</td>
                  <td className={td}>{o.user_email}</td>
                  <td className={td}>{o.active ? 'Active' : 'Superseded'}</td>
                  <td className={td}>{scoreText(o)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}
