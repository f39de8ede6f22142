import type { Reconciliation } from '@/features/data/api/data-queries';
import { formatCount } from '@/shared/lib/format';

function Ids({ ids, total, label }: { ids: string[]; total: number; label: string }) {
  if (total === 0) return <span className="text-slate-500">none</span>;
  return (
    <details>
      <summary className="cursor-pointer font-medium text-red-700 tabular-nums">{formatCount(total)}</summary>
      <ul aria-label={label} className="mt-1 max-h-40 overflow-y-auto font-mono text-xs text-slate-700">
        {ids.map((id) => (
          <li key={id}>{id}</li>
        ))}
      </ul>
      {ids.length < total ? (
        <p className="mt-1 text-xs text-slate-500">
          The first {formatCount(ids.length)} of {formatCount(total)}.
        </p>
      ) : null}
    </details>
  );
}

/** The last comparison of a source's records with Sentia's, per kind of record, both ways. */
export function ReconciliationTable({ label, rows }: { label: string; rows: Reconciliation[] }) {
  if (rows.length === 0) return <p className="text-sm text-slate-500">Nothing to compare for this source.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="min-w-full divide-y divide-slate-200 text-sm">
        <caption className="sr-only">Reconciliation of {label}</caption>
        <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
          <tr>
            <th scope="col" className="px-3 py-2">Records</th>
            <th scope="col" className="px-3 py-2 text-right">In source</th>
            <th scope="col" className="px-3 py-2 text-right">In Sentia</th>
            <th scope="col" className="px-3 py-2">Missing in Sentia</th>
            <th scope="col" className="px-3 py-2">Missing in source</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 align-top">
          {rows.map((r) => (
            <tr key={r.object}>
              <th scope="row" className="px-3 py-2 text-left font-medium text-slate-900">
                {r.object}
              </th>
              <td className="px-3 py-2 text-right tabular-nums">{formatCount(r.in_source)}</td>
              <td className="px-3 py-2 text-right tabular-nums">{formatCount(r.in_sentia)}</td>
              <td className="px-3 py-2">
                <Ids ids={r.missing_in_sentia} total={r.missing_in_sentia_count} label={`${r.object} missing in Sentia`} />
              </td>
              <td className="px-3 py-2">
                <Ids ids={r.missing_in_source} total={r.missing_in_source_count} label={`${r.object} missing in the source`} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
