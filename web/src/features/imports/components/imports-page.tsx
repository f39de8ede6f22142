import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import {
  IMPORT_KINDS,
  importBatchesQuery,
  importKeys,
  runImport,
  templateUrl,
  type ImportKind,
  type ImportReport,
} from '@/features/imports/api/imports-queries';
import { ImportReportView } from '@/features/imports/components/import-report';
import { ErrorAlert } from '@/shared/components/alert';
import { Button, buttonClass } from '@/shared/components/button';
import { PageHeader } from '@/shared/components/page-header';
import { Panel } from '@/shared/components/panel';
import { APP_LOCALE, formatCount } from '@/shared/lib/format';

const th = 'px-3 py-2 text-left text-xs font-semibold uppercase tracking-wide text-slate-500';
const td = 'px-3 py-2 text-slate-700 whitespace-nowrap';

function BatchHistory() {
  const batches = useQuery(importBatchesQuery);
  if (batches.error) return <ErrorAlert title="Could not load the imports" error={batches.error} />;
  if (batches.isPending) return <p className="text-sm text-slate-500">Loading…</p>;
  if (batches.data.batches.length === 0) return <p className="text-sm text-slate-500">No imports yet.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="min-w-full divide-y divide-slate-200 text-sm">
        <caption className="sr-only">Recent imports</caption>
        <thead className="bg-slate-50">
          <tr>
            <th scope="col" className={th}>When</th>
            <th scope="col" className={th}>Kind</th>
            <th scope="col" className={th}>File</th>
            <th scope="col" className={th}>Rows</th>
            <th scope="col" className={th}>New</th>
            <th scope="col" className={th}>Changed</th>
            <th scope="col" className={th}>Unchanged</th>
            <th scope="col" className={th}>By</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 bg-white">
          {batches.data.batches.map((b) => (
            <tr key={b.id}>
              <td className={td}>{new Date(b.created_at).toLocaleString(APP_LOCALE)}</td>
              <td className={td}>{b.kind}</td>
              <td className={td}>{b.file_name}</td>
              <td className={`${td} tabular-nums`}>{formatCount(b.row_count)}</td>
              <td className={`${td} tabular-nums`}>{formatCount(b.inserted)}</td>
              <td className={`${td} tabular-nums`}>{formatCount(b.updated)}</td>
              <td className={`${td} tabular-nums`}>{formatCount(b.unchanged)}</td>
              <td className={td}>{b.created_by}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The import wizard: kind, template, file, check (dry run), import; and the history. */
export function ImportsPage({ canImport }: { canImport: boolean }) {
  const queryClient = useQueryClient();
  const [kind, setKind] = useState<ImportKind>('sales_orders');
  const [file, setFile] = useState<File | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  const mutation = useMutation({
    mutationFn: ({ dryRun }: { dryRun: boolean }) => {
      if (!file) throw new Error('Choose a file first.');
      return runImport(kind, file, dryRun);
    },
    onSuccess: (r) => {
      setReport(r);
      if (r.committed) void queryClient.invalidateQueries({ queryKey: importKeys.all });
    },
  });
  // Importing is offered once the chosen file passed a dry run.
  const checked = report !== null && report.dry_run && report.problem_count === 0 && report.file_name === file?.name;

  return (
    <div className="space-y-6">
      <title>Import data · Sentia</title>
      <PageHeader
        title="Import data"
        description="CSV or Excel files: every row is checked first, and a file is imported whole or not at all."
      />
      <Panel title="Import a file" titleId="import-file">
        <div className="flex flex-wrap items-end gap-4">
          <label className="flex flex-col gap-1 text-sm font-medium text-slate-700">
            Kind of records
            <select
              className="h-10 rounded-md border border-slate-300 bg-white px-2"
              value={kind}
              onChange={(e) => {
                setKind(e.target.value as ImportKind);
                setReport(null);
              }}
            >
              {IMPORT_KINDS.map((k) => (
                <option key={k.value} value={k.value}>
                  {k.label}
                </option>
              ))}
            </select>
          </label>
          <a className={buttonClass('ghost')} href={templateUrl(kind, 'csv')} download>
            Download CSV template
          </a>
          <a className={buttonClass('ghost')} href={templateUrl(kind, 'xlsx')} download>
            Download Excel template
          </a>
        </div>
        {canImport ? (
          <div className="mt-4 flex flex-wrap items-end gap-4">
            <label className="flex flex-col gap-1 text-sm font-medium text-slate-700">
              File
              <input
                type="file"
                accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                onChange={(e) => {
                  setFile(e.target.files?.[0] ?? null);
                  setReport(null);
                }}
              />
            </label>
            <Button
              disabled={!file || mutation.isPending}
              onClick={() => {
                mutation.mutate({ dryRun: true });
              }}
            >
              Check file
            </Button>
            <Button
              variant="primary"
              disabled={!checked || mutation.isPending}
              onClick={() => {
                mutation.mutate({ dryRun: false });
              }}
            >
              Import
            </Button>
          </div>
        ) : (
          <p className="mt-4 text-sm text-slate-500">You may download templates; importing needs the data:execute permission.</p>
        )}
        <div className="mt-4">
          {mutation.error ? <ErrorAlert title="The import could not run" error={mutation.error} /> : null}
          {report ? <ImportReportView report={report} /> : null}
        </div>
      </Panel>
      <Panel title="Recent imports" titleId="import-history">
        <BatchHistory />
      </Panel>
    </div>
  );
}
