import { useId, useMemo, useRef } from 'react';
import type { SummaryPoint } from '@/features/overview/api/overview-queries';
import { GRANULARITIES, type Granularity } from '@/features/overview/lib/overview-state';
import { ErrorAlert } from '@/shared/components/alert';
import { Panel } from '@/shared/components/panel';
import { ChartPngButton } from '@/shared/components/chart-png-button';
import { EChart, type ChartHandle, type ChartOption } from '@/shared/components/echart';
import { EmptyState } from '@/shared/components/empty-state';
import { LoadingRegion, Skeleton } from '@/shared/components/skeleton';
import { formatCount, formatMoneyCompact, formatMoneyMinor, type CurrencyCode } from '@/shared/lib/format';

interface TimeSeriesPanelProps {
  points: SummaryPoint[] | undefined;
  currency: CurrencyCode;
  granularity: Granularity;
  autoGranularity: Granularity;
  /** Undefined = automatic. */
  granularityOverride: Granularity | undefined;
  onGranularityChange: (value: Granularity | undefined) => void;
  scopeLabel: string;
  error: unknown;
  isPending: boolean;
  isFetching: boolean;
  onRetry: () => void;
}

const LABELS: Record<Granularity, string> = { day: 'Daily', week: 'Weekly', month: 'Monthly' };

function buildOption(points: SummaryPoint[], currency: CurrencyCode): ChartOption {
  return {
    animation: false,
    grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
    legend: { top: 0, left: 0, data: ['Revenue', 'Units'] },
    tooltip: {
      trigger: 'axis',
    },
    xAxis: {
      type: 'category',
      data: points.map((point) => point.period),
      axisTick: { alignWithLabel: true },
    },
    yAxis: [
      {
        type: 'value',
        name: `Revenue (${currency})`,
        nameTextStyle: { align: 'left' },
        axisLabel: { formatter: (value: number) => formatMoneyCompact(value, currency) },
        splitLine: { lineStyle: { color: '#e2e8f0' } },
      },
      {
        type: 'value',
        name: 'Units',
        nameTextStyle: { align: 'right' },
        axisLabel: { formatter: (value: number) => formatCount(value) },
        splitLine: { show: false },
      },
    ],
    series: [
      {
        name: 'Units',
        type: 'bar',
        yAxisIndex: 1,
        data: points.map((point) => point.units),
        itemStyle: { color: '#c7d2fe' },
        tooltip: { valueFormatter: (value) => formatCount(Number(value)) },
      },
      {
        name: 'Revenue',
        type: 'line',
        yAxisIndex: 0,
        data: points.map((point) => point.revenue_minor / 100),
        showSymbol: points.length <= 40,
        lineStyle: { width: 2 },
        itemStyle: { color: '#4f46e5' },
        tooltip: { valueFormatter: (value) => formatMoneyMinor(Number(value) * 100, currency) },
      },
    ],
  };
}

export function TimeSeriesPanel(props: TimeSeriesPanelProps) {
  const { points, currency, granularity, error, isPending, isFetching, onRetry } = props;
  const chartRef = useRef<ChartHandle>(null);
  const titleId = useId();
  const selectId = useId();
  const option = useMemo(() => (points ? buildOption(points, currency) : undefined), [points, currency]);

  return (
    <Panel
      title="Revenue and units over time"
      titleId={titleId}
      description={`${LABELS[granularity]} · ${props.scopeLabel}`}
      actions={
        <>
          <label htmlFor={selectId} className="text-sm text-slate-600">
            Granularity
          </label>
          <select
            id={selectId}
            value={props.granularityOverride ?? 'auto'}
            onChange={(event) => {
              const value = event.target.value;
              props.onGranularityChange(value === 'auto' ? undefined : (value as Granularity));
            }}
            className="h-8 rounded-md border-0 bg-white py-0 pr-8 pl-2.5 text-sm shadow-sm ring-1 ring-inset ring-slate-300"
          >
            <option value="auto">Auto ({props.autoGranularity})</option>
            {GRANULARITIES.map((value) => (
              <option key={value} value={value}>
                {LABELS[value]}
              </option>
            ))}
          </select>
          <ChartPngButton
            chart={chartRef}
            label="Download revenue and units chart as PNG"
            filename="sentia-revenue-units.png"
            disabled={!points || points.length === 0}
          />
        </>
      }
    >
      {error && !points ? (
        <ErrorAlert title="Could not load the time series" error={error} onRetry={onRetry} />
      ) : isPending || !option || !points ? (
        <LoadingRegion label="Loading chart">
          <Skeleton className="h-72 w-full" />
        </LoadingRegion>
      ) : points.length === 0 ? (
        <EmptyState title="No sales in this period">Try a longer date range or another filter.</EmptyState>
      ) : (
        <div className={isFetching ? 'opacity-60 transition-opacity' : 'transition-opacity'}>
          <EChart
            ref={chartRef}
            option={option}
            ariaLabel={`Chart of revenue and units, ${points.length} ${granularity} periods from ${points[0]?.period ?? ''} to ${points.at(-1)?.period ?? ''}`}
            className="h-72 sm:h-80"
          />
        </div>
      )}
    </Panel>
  );
}
