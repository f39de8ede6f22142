import { seriesLabel } from '@/features/forecasting/lib/series-keys';
import type { SeriesDetail } from '@/features/forecasting/api/forecasting-queries';
import type { ChartOption } from '@/shared/components/echart';
import { formatCount } from '@/shared/lib/format';

type Cell = number | null;

/** Rounds for display in charts (units per week). */
function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/**
 * Weekly history and forecast on one category axis. Bands are drawn as stacked areas: an
 * invisible base at the lower bound and a filled band of (upper − lower) on top of it.
 */
export function buildForecastOption(detail: SeriesDetail): ChartOption {
  const history = detail.history;
  const forecast = detail.forecast;
  const weeks = [...history.map((p) => p.period_start), ...forecast.map((p) => p.period_start)];
  const pad = (n: number): Cell[] => Array.from({ length: n }, () => null);
  const actual: Cell[] = [...history.map((p) => (p.units === null || p.units === undefined ? null : p.units)), ...pad(forecast.length)];
  const censored: Cell[] = [
    ...history.map((p) => (p.censored && p.units !== null && p.units !== undefined ? p.units : null)),
    ...pad(forecast.length),
  ];
  const head = pad(history.length);
  const point: Cell[] = [...head, ...forecast.map((p) => round(p.point))];
  const override: Cell[] = [...head, ...forecast.map((p) => (p.override_value === null || p.override_value === undefined ? null : p.override_value))];
  const lo95: Cell[] = [...head, ...forecast.map((p) => round(p.lo95))];
  const band95: Cell[] = [...head, ...forecast.map((p) => round(p.hi95 - p.lo95))];
  const lo80: Cell[] = [...head, ...forecast.map((p) => round(p.lo80))];
  const band80: Cell[] = [...head, ...forecast.map((p) => round(p.hi80 - p.lo80))];
  const base = { type: 'line' as const, showSymbol: false, lineStyle: { opacity: 0 }, tooltip: { show: false } };
  return {
    animation: false,
    grid: { left: 8, right: 8, top: 40, bottom: 40, containLabel: true },
    legend: { top: 0, left: 0, data: ['Demand', 'Stockout week', 'Forecast', '80% interval', '95% interval', 'Override'] },
    tooltip: { trigger: 'axis' },
    dataZoom: [{ type: 'slider', bottom: 4, height: 20, start: history.length > 60 ? 50 : 0, end: 100 }],
    xAxis: { type: 'category', data: weeks, boundaryGap: false },
    yAxis: { type: 'value', name: 'Units / week', axisLabel: { formatter: (v: number) => formatCount(v) } },
    series: [
      { ...base, name: '95% base', stack: 'b95', data: lo95 },
      {
        ...base,
        name: '95% interval',
        stack: 'b95',
        data: band95,
        areaStyle: { color: 'rgba(99, 102, 241, 0.15)' },
        itemStyle: { color: 'rgba(99, 102, 241, 0.25)' },
      },
      { ...base, name: '80% base', stack: 'b80', data: lo80 },
      {
        ...base,
        name: '80% interval',
        stack: 'b80',
        data: band80,
        areaStyle: { color: 'rgba(99, 102, 241, 0.3)' },
        itemStyle: { color: 'rgba(99, 102, 241, 0.45)' },
      },
      { name: 'Demand', type: 'line', data: actual, showSymbol: false, connectNulls: false, itemStyle: { color: '#0f172a' }, lineStyle: { width: 1.5 } },
      {
        name: 'Stockout week',
        type: 'line',
        data: censored,
        showSymbol: true,
        symbol: 'triangle',
        symbolSize: 7,
        lineStyle: { opacity: 0 },
        itemStyle: { color: '#dc2626' },
      },
      { name: 'Forecast', type: 'line', data: point, showSymbol: false, itemStyle: { color: '#4f46e5' }, lineStyle: { width: 2 } },
      { name: 'Override', type: 'line', data: override, showSymbol: true, symbol: 'diamond', symbolSize: 9, lineStyle: { opacity: 0 }, itemStyle: { color: '#d97706' } },
    ],
  };
}

/** Trend, seasonal and remainder lines of the decomposition. */
export function buildDecompositionOption(detail: SeriesDetail): ChartOption {
  const points = detail.decomposition.points;
  const val = (v: number | null | undefined): Cell => (v === null || v === undefined ? null : round(v));
  return {
    animation: false,
    grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
    legend: { top: 0, left: 0, data: ['Trend', 'Seasonal', 'Remainder'] },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: points.map((p) => p.period_start) },
    yAxis: { type: 'value', name: 'Units / week' },
    series: [
      { name: 'Trend', type: 'line', showSymbol: false, data: points.map((p) => val(p.trend)), itemStyle: { color: '#4f46e5' } },
      { name: 'Seasonal', type: 'line', showSymbol: false, data: points.map((p) => val(p.seasonal)), itemStyle: { color: '#059669' } },
      { name: 'Remainder', type: 'bar', data: points.map((p) => val(p.remainder)), itemStyle: { color: '#cbd5e1' } },
    ],
  };
}

/** Accessible summary of the forecast chart; the end-to-end test compares it with the API. */
export function forecastChartLabel(detail: SeriesDetail): string {
  const censored = detail.history.filter((p) => p.censored).length;
  return `Weekly demand of ${seriesLabel(detail.sku, detail.channel)}: ${String(detail.history.length)} weeks of history (${String(censored)} with stockouts) and ${String(detail.forecast.length)} forecast weeks with 80% and 95% intervals`;
}
