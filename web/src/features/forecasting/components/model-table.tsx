import type { ModelMetrics } from '@/features/forecasting/api/forecasting-queries';

const th = 'px-3 py-2 text-right text-xs font-semibold uppercase tracking-wide text-slate-500 whitespace-nowrap';
const td = 'px-3 py-2 text-right tabular-nums text-slate-700 whitespace-nowrap';

/** A metric for display: fixed digits, or an em dash when undefined. */
export function metric(value: number | null | undefined, digits = 1, suffix = ''): string {
  return value === null || value === undefined ? '—' : `${value.toFixed(digits)}${suffix}`;
}

/** Per-model rolling-origin backtest metrics; the combination (`ensemble`) first. */
export function ModelTable({ models }: { models: ModelMetrics[] }) {
  return (
    <div className="overflow-x-auto">
      <table className="min-w-full divide-y divide-slate-200 text-sm">
        <caption className="sr-only">Backtest metrics per model</caption>
        <thead className="bg-slate-50">
          <tr>
            <th scope="col" className={`${th} text-left`}>
              Model
            </th>
            <th scope="col" className={th}>Weight</th>
            <th scope="col" className={th}>MAE</th>
            <th scope="col" className={th}>RMSE</th>
            <th scope="col" className={th}>sMAPE</th>
            <th scope="col" className={th}>MASE</th>
            <th scope="col" className={th}>WAPE</th>
            <th scope="col" className={th}>Bias</th>
            <th scope="col" className={th}>Cover 80%</th>
            <th scope="col" className={th}>Cover 95%</th>
            <th scope="col" className={th}>Origins</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 bg-white">
          {models.map((m) => (
            <tr key={m.model} className={m.model === 'ensemble' ? 'bg-indigo-50/60' : undefined} title={m.note ?? undefined}>
              <th scope="row" className="px-3 py-2 text-left font-mono text-xs font-semibold whitespace-nowrap text-slate-900">
                {m.model}
              </th>
              <td className={td}>{m.model === 'ensemble' ? '—' : metric(m.weight * 100, 0, '%')}</td>
              <td className={td}>{metric(m.mae, 2)}</td>
              <td className={td}>{metric(m.rmse, 2)}</td>
              <td className={td}>{metric(m.smape, 1, '%')}</td>
              <td className={td}>{metric(m.mase, 2)}</td>
              <td className={td}>{metric(m.wape, 1, '%')}</td>
              <td className={td}>{metric(m.bias, 2)}</td>
              <td className={td}>{metric(m.coverage80, 0, '%')}</td>
              <td className={td}>{metric(m.coverage95, 0, '%')}</td>
              <td className={td}>{m.folds}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
