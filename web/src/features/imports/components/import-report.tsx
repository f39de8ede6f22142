import type { ImportReport } from '@/features/imports/api/imports-queries';
import { formatCount } from '@/shared/lib/format';

const th = 'px-3 py-2 text-left text-xs font-semibold uppercase tracking-wide text-slate-500';
const td = 'px-3 py-2 text-slate-700';

/** The outcome of a dry run or an import: the problems (row, column, reason) or the counts. */
export function ImportReportView({ report }: { report: ImportReport }) {
  const warnings =
    report.warnings.length > 0 ? (
      <ul className="mt-2 list-disc pl-5 text-sm text-amber-700">
        {report.warnings.map((w) => (
          <li key={`${w.row}-${w.field}`}>
            Column “{w.field}”: {w.reason}
          </li>
        ))}
      </ul>
    ) : null;
  if (report.problem_count > 0) {
    const hidden = report.problem_count - report.problems.length;
    return (
      <div>
        <p role="status" className="text-sm font-semibold text-red-700">
          {formatCount(report.problem_count)} {report.problem_count === 1 ? 'problem' : 'problems'} in {report.file_name}:
          nothing was imported.
        </p>
        {warnings}
        <div className="mt-3 overflow-x-auto">
          <table className="min-w-full divide-y divide-slate-200 text-sm">
            <caption className="sr-only">Problems found in the file</caption>
            <thead className="bg-slate-50">
              <tr>
                <th scope="col" className={th}>Row</th>
                <th scope="col" className={th}>Column</th>
                <th scope="col" className={th}>Reason</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 bg-white">
              {report.problems.map((p, index) => (
                <tr key={`${p.row}-${p.field}-${index}`}>
                  <td className={`${td} tabular-nums`}>{p.row === 0 ? 'file' : p.row}</td>
                  <td className={`${td} font-mono text-xs`}>{p.field || '—'}</td>
                  <td className={td}>{p.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {hidden > 0 ? <p className="mt-2 text-sm text-slate-500">… and {formatCount(hidden)} more.</p> : null}
      </div>
    );
  }
  const { inserted, updated, unchanged } = report.counts;
  const summary = `${formatCount(inserted)} new, ${formatCount(updated)} changed, ${formatCount(unchanged)} unchanged`;
  return (
    <div>
      <p role="status" className="text-sm font-semibold text-emerald-700">
        {report.committed
          ? `Imported ${report.file_name}: ${summary}.`
          : `${report.file_name} is valid (${formatCount(report.rows)} rows). Importing it gives ${summary}.`}
      </p>
      {warnings}
    </div>
  );
}
