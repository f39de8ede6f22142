import { useId } from 'react';
import type { AccuracyPoint } from '@/features/forecasting/api/forecasting-queries';
import { metric } from '@/features/forecasting/components/model-table';
import { EmptyState } from '@/shared/components/empty-state';
import { Panel } from '@/shared/components/panel';

const th = 'px-3 py-2 text-right text-xs font-semibold uppercase tracking-wide text-slate-500 whitespace-nowrap';
const td = 'px-3 py-2 text-right tabular-nums text-slate-700 whitespace-nowrap';

/** Frozen past forecasts scored against the actuals that arrived after them. */
export function AccuracyPanel({ points }: { points: AccuracyPoint[] }) {
  const titleId = useId();
  return (
    <Panel
      title="Accuracy over time"
      titleId={titleId}
      description="Each frozen forecast against the weeks that have actuals now (stockout weeks are not scored)."
    >
      {points.length === 0 ? (
        <EmptyState title="No past forecast has actuals yet" />
      ) : (
        <div className="overflow-x-auto">
          <table className="min-w-full divide-y divide-slate-200 text-sm" aria-label="Accuracy of past forecasts">
            <thead className="bg-slate-50">
              <tr>
                <th scope="col" className={`${th} text-left`}>
                  Forecast from
                </th>
                <th scope="col" className={th}>Run</th>
                <th scope="col" className={th}>Weeks scored</th>
                <th scope="col" className={th}>MAPE</th>
                <th scope="col" className={th}>WAPE</th>
                <th scope="col" className={th}>MAE</th>
                <th scope="col" className={th}>Actual units</th>
                <th scope="col" className={th}>Forecast units</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 bg-white">
              {points.map((p) => (
                <tr key={p.forecast_id}>
                  <th scope="row" className="px-3 py-2 text-left font-normal whitespace-nowrap text-slate-900">
                    {p.origin_date}
                  </th>
                  <td className={td}>{p.run_id}</td>
                  <td className={td}>{p.scored}</td>
                  <td className={td}>{metric(p.mape, 1, '%')}</td>
                  <td className={td}>{metric(p.wape, 1, '%')}</td>
                  <td className={td}>{metric(p.mae, 1)}</td>
                  <td className={td}>{metric(p.actual_units, 0)}</td>
                  <td className={td}>{metric(p.forecast_units, 0)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}
