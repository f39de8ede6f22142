import { describe, expect, it } from 'vitest';
import {
  autoGranularity,
  breadcrumbs,
  drillReducer,
  groupByFor,
  parseOverviewState,
  resolveRange,
  toSearchParams,
  type DrillState,
} from '@/features/overview/lib/overview-state';

describe('drill-down', () => {
  it('goes region → channel → SKU with the matching group_by at each level', () => {
    let state: DrillState = {};
    expect(groupByFor(state)).toBe('region');
    state = drillReducer(state, { type: 'drill', key: 'UK' });
    expect(state).toEqual({ region: 'UK' });
    expect(groupByFor(state)).toBe('channel');
    state = drillReducer(state, { type: 'drill', key: 'AMZ-UK' });
    expect(state).toEqual({ region: 'UK', channel: 'AMZ-UK' });
    expect(groupByFor(state)).toBe('sku');
    state = drillReducer(state, { type: 'drill', key: 'GIN-70' });
    expect(state).toEqual({ region: 'UK', channel: 'AMZ-UK', sku: 'GIN-70' });
    expect(groupByFor(state)).toBe('none');
    // Nothing below a SKU.
    expect(drillReducer(state, { type: 'drill', key: 'X' })).toBe(state);
  });

  it('builds breadcrumbs and goes back up to any level', () => {
    const state: DrillState = { region: 'UK', channel: 'AMZ-UK', sku: 'GIN-70' };
    expect(breadcrumbs(state).map((crumb) => crumb.label)).toEqual(['All regions', 'UK', 'AMZ-UK', 'GIN-70']);
    expect(drillReducer(state, { type: 'up', level: 2 })).toEqual({ region: 'UK', channel: 'AMZ-UK' });
    expect(drillReducer(state, { type: 'up', level: 1 })).toEqual({ region: 'UK' });
    expect(drillReducer(state, { type: 'up', level: 0 })).toEqual({});
  });
});

describe('URL state', () => {
  it('round-trips through search params', () => {
    const params = new URLSearchParams('range=custom&from=2025-01-01&to=2025-03-31&currency=EUR&granularity=week&region=EU&channel=SHOP-EU');
    const state = parseOverviewState(params);
    expect(state).toEqual({
      range: 'custom',
      customFrom: '2025-01-01',
      customTo: '2025-03-31',
      currency: 'EUR',
      granularity: 'week',
      drill: { region: 'EU', channel: 'SHOP-EU' },
    });
    expect(toSearchParams(state).toString()).toBe(params.toString());
  });

  it('ignores invalid values and orphaned drill levels', () => {
    const state = parseOverviewState(new URLSearchParams('range=forever&currency=JPY&channel=AMZ-UK&from=2025-02-30'));
    expect(state).toEqual({ range: '30d', currency: 'GBP', drill: {} });
  });
});

describe('date ranges', () => {
  const base = { currency: 'GBP' as const, drill: {} };

  it('resolves presets against today', () => {
    expect(resolveRange({ ...base, range: '30d' }, '2025-03-31')).toEqual({ from: '2025-03-02', to: '2025-03-31' });
    expect(resolveRange({ ...base, range: '90d' }, '2025-03-31')).toEqual({ from: '2025-01-01', to: '2025-03-31' });
    expect(resolveRange({ ...base, range: '12m' }, '2025-03-31')).toEqual({ from: '2024-04-01', to: '2025-03-31' });
    expect(resolveRange({ ...base, range: 'ytd' }, '2025-03-31')).toEqual({ from: '2025-01-01', to: '2025-03-31' });
  });

  it('picks day up to 62 days, week up to 370 days, else month', () => {
    expect(autoGranularity({ from: '2025-01-01', to: '2025-03-03' })).toBe('day');
    expect(autoGranularity({ from: '2025-01-01', to: '2025-03-04' })).toBe('week');
    expect(autoGranularity({ from: '2024-01-01', to: '2025-01-04' })).toBe('week');
    expect(autoGranularity({ from: '2024-01-01', to: '2025-01-05' })).toBe('month');
  });
});
