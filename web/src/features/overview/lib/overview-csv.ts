import type { SummaryGroup, SummaryPoint } from '@/features/overview/api/overview-queries';
import { toCsv, type CsvCell } from '@/shared/lib/csv';

export interface OverviewCsvInput {
  from: string;
  to: string;
  currency: string;
  filters: string;
  breakdownTitle: string;
  groups: SummaryGroup[];
  granularity: string;
  points: SummaryPoint[];
}

function major(minor: number): string {
  return (minor / 100).toFixed(2);
}

/** What the overview shows, as CSV: a header block, the breakdown table, then the time series. */
export function buildOverviewCsv(input: OverviewCsvInput): string {
  const rows: CsvCell[][] = [
    ['Sentia overview'],
    ['From', input.from],
    ['To', input.to],
    ['Currency', input.currency],
    ['Filters', input.filters],
    [],
    [input.breakdownTitle],
    ['Key', 'Label', `Revenue (${input.currency})`, 'Units', `Gross margin (${input.currency})`, 'Gross margin %'],
    ...input.groups.map((group) => [
      group.key,
      group.label,
      major(group.totals.revenue_minor),
      group.totals.units,
      major(group.totals.gross_margin_minor),
      group.totals.gross_margin_pct === null || group.totals.gross_margin_pct === undefined
        ? ''
        : group.totals.gross_margin_pct.toFixed(1),
    ]),
    [],
    [`Revenue and units by ${input.granularity}`],
    ['Period start', `Revenue (${input.currency})`, 'Units', `Gross margin (${input.currency})`],
    ...input.points.map((point) => [
      point.period,
      major(point.revenue_minor),
      point.units,
      major(point.gross_margin_minor),
    ]),
  ];
  return toCsv(rows);
}
