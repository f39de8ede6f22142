import { describe, expect, it } from 'vitest';
import type { SeriesList, SeriesSummary } from '@/features/forecasting/api/forecasting-queries';
import { channelLabel, channelOptions, isTotal, seriesLabel, skuOptions } from '@/features/forecasting/lib/series-keys';

function summary(sku: string, channel: string, region: string): SeriesSummary {
  return {
    sku,
    channel,
    region,
    recent_units: 0,
    forecast_units: null,
    model: null,
    top_model: null,
    wape: null,
    censored_weeks: 0,
    origin_date: null,
  };
}

const list: SeriesList = {
  granularity: 'week',
  latest_run: null,
  series: [
    summary('GIN-70', 'AMZ-UK', 'UK'),
    summary('GIN-70', 'AMZ-US', 'US'),
    summary('VOD-70', 'AMZ-UK', 'UK'),
    summary('VOD-70', 'AMZ-US', 'US'),
  ],
  totals: [
    summary('*', '*', '*'),
    summary('*', 'region:UK', 'UK'),
    summary('*', 'region:US', 'US'),
    summary('*', 'AMZ-UK', 'UK'),
    summary('*', 'AMZ-US', 'US'),
    summary('GIN-70', '*', '*'),
    summary('VOD-70', '*', '*'),
  ],
};

describe('series keys', () => {
  it('offers only the totals that exist beside each SKU', () => {
    expect(skuOptions(list)).toEqual(['*', 'GIN-70', 'VOD-70']);
    expect(channelOptions(list, '*')).toEqual(['*', 'region:UK', 'region:US', 'AMZ-UK', 'AMZ-US']);
    expect(channelOptions(list, 'GIN-70')).toEqual(['AMZ-UK', 'AMZ-US', '*']);
  });

  it('tells totals from series and names them', () => {
    expect(isTotal('GIN-70', 'AMZ-UK')).toBe(false);
    expect(isTotal('*', 'AMZ-UK')).toBe(true);
    expect(isTotal('GIN-70', '*')).toBe(true);
    expect(isTotal('*', 'region:EU')).toBe(true);
    expect(channelLabel('region:EU')).toBe('EU (all channels)');
    expect(seriesLabel('*', '*')).toBe('All SKUs on All channels');
  });

  it('offers no SKU total when the list has none', () => {
    expect(skuOptions({ ...list, totals: [] })).toEqual(['GIN-70', 'VOD-70']);
    expect(channelOptions({ ...list, totals: [] }, 'GIN-70')).toEqual(['AMZ-UK', 'AMZ-US']);
  });
});
