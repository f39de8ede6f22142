import { useId, useMemo, useRef } from 'react';
import type { SummaryGroup } from '@/features/overview/api/overview-queries';
import { ErrorAlert } from '@/shared/components/alert';
import { Panel } from '@/shared/components/panel';
import { ChartPngButton } from '@/shared/components/chart-png-button';
import { EChart, type ChartHandle, type ChartOption } from '@/shared/components/echart';
import { EmptyState } from '@/shared/components/empty-state';
import { LoadingRegion, Skeleton } from '@/shared/components/skeleton';
import {
  formatCount,
  formatMoneyCompact,
  formatMoneyMinor,
  formatPercent,
  type CurrencyCode,
} from '@/shared/lib/format';

interface BreakdownPanelProps {
  title: string;
  /** Column heading for the group key, e.g. "Region". */
  keyHeading: string;
  groups: SummaryGroup[] | undefined;
  currency: CurrencyCode;
  /** Undefined at the deepest level: rows are not drillable. */
  onDrill: ((key: string) => void) | undefined;
  error: unknown;
  isPending: boolean;
  isFetching: boolean;
  onRetry: () => void;
}

function buildOption(groups: SummaryGroup[], currency: CurrencyCode): ChartOption {
  // Largest first at the top of a horizontal bar chart.
  const rows = [...groups].reverse();
  return {
    animation: false,
    grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      valueFormatter: (value) => formatMoneyMinor(Number(value) * 100, currency),
    },
    xAxis: {
      type: 'value',
      axisLabel: { formatter: (value: number) => formatMoneyCompact(value, currency) },
      splitLine: { lineStyle: { color: '#e2e8f0' } },
    },
    yAxis: { type: 'category', data: rows.map((group) => group.key) },
    series: [
      {
        name: 'Revenue',
        type: 'bar',
        data: rows.map((group) => group.totals.revenue_minor / 100),
        itemStyle: { color: '#4f46e5', borderRadius: [0, 4, 4, 0] },
        barMaxWidth: 28,
        cursor: 'pointer',
      },
    ],
  };
}

const th = 'px-3 py-2 text-left text-xs font-semibold uppercase tracking-wide text-slate-500';
const thNum = 'px-3 py-2 text-right text-xs font-semibold uppercase tracking-wide text-slate-500';
const td = 'px-3 py-2 text-slate-700';
const tdNum = 'px-3 py-2 text-right tabular-nums text-slate-700';

export function BreakdownPanel(props: BreakdownPanelProps) {
  const { title, groups, currency, onDrill, error, isPending, isFetching, onRetry } = props;
  const chartRef = useRef<ChartHandle>(null);
  const titleId = useId();
  const option = useMemo(() => (groups ? buildOption(groups, currency) : undefined), [groups, currency]);

  let body;
  if (error && !groups) {
    body = <ErrorAlert title="Could not load the breakdown" error={error} onRetry={onRetry} />;
  } else if (isPending || !groups || !option) {
    body = (
      <LoadingRegion label="Loading breakdown">
        <div className="grid gap-6 2xl:grid-cols-2">
          <Skeleton className="h-56 w-full" />
          <div className="space-y-2">
            {Array.from({ length: 5 }, (_, index) => (
              <Skeleton key={index} className="h-8 w-full" />
            ))}
          </div>
        </div>
      </LoadingRegion>
    );
  } else if (groups.length === 0) {
    body = <EmptyState title="No sales for this selection">Try a longer date range or go back up a level.</EmptyState>;
  } else {
    body = (
      <div className={`grid gap-6 2xl:grid-cols-2 ${isFetching ? 'opacity-60 transition-opacity' : 'transition-opacity'}`}>
        <EChart
          ref={chartRef}
          option={option}
          ariaLabel={`Bar chart of revenue by ${props.keyHeading.toLowerCase()}; the table lists the same figures`}
          onItemClick={onDrill ? (name) => { onDrill(name); } : undefined}
          className="h-56 sm:h-64"
        />
        <div className="overflow-x-auto">
          <table className="min-w-full divide-y divide-slate-200 text-sm">
            <caption className="sr-only">{title}</caption>
            <thead>
              <tr>
                <th scope="col" className={th}>
                  {props.keyHeading}
                </th>
                <th scope="col" className={th}>
                  Name
                </th>
                <th scope="col" className={thNum}>
                  Revenue
                </th>
                <th scope="col" className={thNum}>
                  Units
                </th>
                <th scope="col" className={thNum}>
                  Gross margin
                </th>
                <th scope="col" className={thNum}>
                  Margin %
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {groups.map((group) => (
                <tr key={group.key} className="hover:bg-slate-50">
                  <th scope="row" className="px-3 py-2 text-left font-medium whitespace-nowrap text-slate-900">
                    {onDrill ? (
                      <button
                        type="button"
                        aria-label={`Drill into ${group.key}`}
                        onClick={() => {
                          onDrill(group.key);
                        }}
                        className="inline-flex items-center gap-1 rounded font-semibold text-indigo-700 hover:underline"
                      >
                        {group.key}
                        <span aria-hidden="true">›</span>
                      </button>
                    ) : (
                      group.key
                    )}
                  </th>
                  <td className={td}>{group.label}</td>
                  <td className={tdNum}>{formatMoneyMinor(group.totals.revenue_minor, currency)}</td>
                  <td className={tdNum}>{formatCount(group.totals.units)}</td>
                  <td className={tdNum}>{formatMoneyMinor(group.totals.gross_margin_minor, currency)}</td>
                  <td className={tdNum}>
                    {group.totals.gross_margin_pct === null || group.totals.gross_margin_pct === undefined
                      ? '—'
                      : formatPercent(group.totals.gross_margin_pct)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    );
  }

  return (
    <Panel
      title={title}
      titleId={titleId}
      description={onDrill ? 'Select a row or bar to drill down.' : 'Deepest level: use the breadcrumbs to go back up.'}
      actions={
        <ChartPngButton
          chart={chartRef}
          label="Download breakdown chart as PNG"
          filename="sentia-breakdown.png"
          disabled={!groups || groups.length === 0}
        />
      }
    >
      {body}
    </Panel>
  );
}
