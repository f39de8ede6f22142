import { queryOptions } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '@/api/client';

export type ImportReport = Schemas['ImportReportView'];
export type ImportBatch = Schemas['ImportBatchView'];

/** The kinds of records a file can import, in the order the wizard offers them. */
export const IMPORT_KINDS = [
  { value: 'products', label: 'Products' },
  { value: 'sales_orders', label: 'Sales orders' },
  { value: 'stock_counts', label: 'Stock counts' },
  { value: 'purchase_orders', label: 'Purchase orders' },
  { value: 'invoices', label: 'Invoices' },
  { value: 'production_runs', label: 'Production runs' },
] as const;

export type ImportKind = (typeof IMPORT_KINDS)[number]['value'];

export const importKeys = {
  all: ['imports'] as const,
  batches: () => [...importKeys.all, 'batches'] as const,
};

export const importBatchesQuery = queryOptions({
  queryKey: importKeys.batches(),
  queryFn: ({ signal }) => unwrap(api.GET('/api/v1/imports', { signal })),
});

/** Where the template of a kind downloads from (same origin, the session cookie applies). */
export function templateUrl(kind: ImportKind, format: 'csv' | 'xlsx'): string {
  return `/api/v1/imports/templates/${kind}?format=${format}`;
}

/** Sends `file` as the raw body; a dry run keeps nothing. */
export function runImport(kind: ImportKind, file: File, dryRun: boolean): Promise<ImportReport> {
  return unwrap(
    api.POST('/api/v1/imports/{kind}', {
      params: { path: { kind }, query: { dry_run: dryRun, filename: file.name } },
      // The file goes as it is, not as JSON.
      body: file as unknown as string,
      bodySerializer: (body: unknown) => body as BodyInit,
      headers: { 'Content-Type': 'application/octet-stream' },
    }),
  );
}
