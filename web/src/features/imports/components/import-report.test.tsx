import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { ImportReport } from '@/features/imports/api/imports-queries';
import { ImportReportView } from '@/features/imports/components/import-report';

const base: ImportReport = {
  kind: 'sales_orders',
  file_name: 'orders.csv',
  format: 'csv',
  sha256: 'ab',
  rows: 3,
  dry_run: true,
  committed: false,
  problem_count: 0,
  problems: [],
  warnings: [],
  counts: { inserted: 2, updated: 0, unchanged: 1 },
  batch_id: null,
  duration_ms: 5,
};

describe('ImportReportView', () => {
  it('lists every problem with row, column and reason, and how many are not shown', () => {
    render(
      <ImportReportView
        report={{
          ...base,
          problem_count: 3,
          problems: [
            { row: 4, field: 'quantity', reason: 'must be positive, got 0' },
            { row: 0, field: '', reason: 'the file has no data rows' },
          ],
        }}
      />,
    );
    expect(screen.getByRole('status')).toHaveTextContent('3 problems in orders.csv: nothing was imported.');
    const rows = within(screen.getByRole('table')).getAllByRole('row');
    expect(rows).toHaveLength(3);
    expect(rows[1]).toHaveTextContent('4quantitymust be positive, got 0');
    expect(rows[2]).toHaveTextContent('file—the file has no data rows');
    expect(screen.getByText('… and 1 more.')).toBeInTheDocument();
  });

  it('shows the counts of a clean dry run and of a commit', () => {
    const { rerender } = render(<ImportReportView report={base} />);
    expect(screen.getByRole('status')).toHaveTextContent('orders.csv is valid (3 rows). Importing it gives 2 new, 0 changed, 1 unchanged.');
    expect(screen.queryByRole('table')).toBeNull();
    rerender(<ImportReportView report={{ ...base, dry_run: false, committed: true, batch_id: 7 }} />);
    expect(screen.getByRole('status')).toHaveTextContent('Imported orders.csv: 2 new, 0 changed, 1 unchanged.');
  });
});
