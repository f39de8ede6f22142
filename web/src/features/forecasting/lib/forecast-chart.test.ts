import { describe, expect, it } from 'vitest';
import { buildForecastOption, forecastChartLabel } from '@/features/forecasting/lib/forecast-chart';
import { detail } from '@/features/forecasting/lib/forecast-fixture';

describe('buildForecastOption', () => {
  it('puts history and forecast on one axis with bands as lower bound plus width', () => {
    const option = buildForecastOption(detail);
    const xAxis = option.xAxis as { data: string[] };
    expect(xAxis.data).toEqual(['2026-11-16', '2026-11-23', '2026-11-30', '2026-12-07']);
    const series = option.series as { name: string; data: (number | null)[] }[];
    const byName = (name: string) => series.find((s) => s.name === name)?.data;
    expect(byName('Demand')).toEqual([10, 4, null, null]);
    expect(byName('Stockout week')).toEqual([null, 4, null, null]);
    expect(byName('Forecast')).toEqual([null, null, 11, 12]);
    expect(byName('95% base')).toEqual([null, null, 6, 7]);
    expect(byName('95% interval')).toEqual([null, null, 10, 11]);
    expect(byName('80% interval')).toEqual([null, null, 6, 6]);
    expect(byName('Override')).toEqual([null, null, 20, null]);
  });

  it('describes the chart for assistive technology', () => {
    expect(forecastChartLabel(detail)).toBe(
      'Weekly demand of GIN-70 on AMZ-UK: 2 weeks of history (1 with stockouts) and 2 forecast weeks with 80% and 95% intervals',
    );
  });
});
