import { addDays, addYears, daysInclusive, isIsoDate } from '@/features/overview/lib/dates';
import type { CurrencyCode } from '@/shared/lib/format';

export type RangePreset = '30d' | '90d' | '12m' | 'ytd' | 'custom';
export type Granularity = 'day' | 'week' | 'month';
export type GroupBy = 'none' | 'region' | 'channel' | 'sku';

export const RANGE_PRESETS: { value: RangePreset; label: string }[] = [
  { value: '30d', label: 'Last 30 days' },
  { value: '90d', label: 'Last 90 days' },
  { value: '12m', label: 'Last 12 months' },
  { value: 'ytd', label: 'Year to date' },
  { value: 'custom', label: 'Custom range' },
];

export const CURRENCIES: CurrencyCode[] = ['GBP', 'EUR', 'USD'];
export const GRANULARITIES: Granularity[] = ['day', 'week', 'month'];

/** Drill-down path: region → channel → SKU. A level is only set when its parent is. */
export interface DrillState {
  region?: string;
  channel?: string;
  sku?: string;
}

export type DrillLevel = 0 | 1 | 2 | 3;

export type DrillAction = { type: 'drill'; key: string } | { type: 'up'; level: DrillLevel };

export interface OverviewState {
  range: RangePreset;
  /** Only meaningful when `range` is custom. */
  customFrom?: string;
  customTo?: string;
  currency: CurrencyCode;
  /** Undefined means "auto". */
  granularity?: Granularity;
  drill: DrillState;
}

export function drillLevel(drill: DrillState): DrillLevel {
  if (drill.sku) return 3;
  if (drill.channel) return 2;
  if (drill.region) return 1;
  return 0;
}

const GROUP_BY_BY_LEVEL: Record<DrillLevel, GroupBy> = { 0: 'region', 1: 'channel', 2: 'sku', 3: 'none' };

/** The breakdown dimension shown at the current drill level. */
export function groupByFor(drill: DrillState): GroupBy {
  return GROUP_BY_BY_LEVEL[drillLevel(drill)];
}

export function drillReducer(state: DrillState, action: DrillAction): DrillState {
  switch (action.type) {
    case 'drill': {
      const level = drillLevel(state);
      if (level === 0) return { region: action.key };
      if (level === 1) return { region: state.region, channel: action.key };
      if (level === 2) return { region: state.region, channel: state.channel, sku: action.key };
      return state;
    }
    case 'up': {
      const next: DrillState = {};
      if (action.level >= 1 && state.region) next.region = state.region;
      if (action.level >= 2 && state.channel) next.channel = state.channel;
      if (action.level >= 3 && state.sku) next.sku = state.sku;
      return next;
    }
  }
}

export interface Crumb {
  label: string;
  level: DrillLevel;
}

export function breadcrumbs(drill: DrillState): Crumb[] {
  const crumbs: Crumb[] = [{ label: 'All regions', level: 0 }];
  if (drill.region) crumbs.push({ label: drill.region, level: 1 });
  if (drill.region && drill.channel) crumbs.push({ label: drill.channel, level: 2 });
  if (drill.region && drill.channel && drill.sku) crumbs.push({ label: drill.sku, level: 3 });
  return crumbs;
}

const CODE = /^[A-Za-z0-9_-]{1,64}$/;

function code(value: string | null): string | undefined {
  return value && CODE.test(value) ? value : undefined;
}

export function parseOverviewState(params: URLSearchParams): OverviewState {
  const rangeParam = params.get('range');
  const range = RANGE_PRESETS.some((p) => p.value === rangeParam) ? (rangeParam as RangePreset) : '30d';
  const currencyParam = params.get('currency');
  const currency = CURRENCIES.includes(currencyParam as CurrencyCode) ? (currencyParam as CurrencyCode) : 'GBP';
  const granularityParam = params.get('granularity');
  const granularity = GRANULARITIES.includes(granularityParam as Granularity)
    ? (granularityParam as Granularity)
    : undefined;

  const drill: DrillState = {};
  const region = code(params.get('region'));
  const channel = code(params.get('channel'));
  const sku = code(params.get('sku'));
  if (region) {
    drill.region = region;
    if (channel) {
      drill.channel = channel;
      if (sku) drill.sku = sku;
    }
  }

  const state: OverviewState = { range, currency, drill };
  if (granularity) state.granularity = granularity;
  if (range === 'custom') {
    const from = params.get('from');
    const to = params.get('to');
    if (isIsoDate(from)) state.customFrom = from;
    if (isIsoDate(to)) state.customTo = to;
  }
  return state;
}

export function toSearchParams(state: OverviewState): URLSearchParams {
  const params = new URLSearchParams();
  if (state.range !== '30d') params.set('range', state.range);
  if (state.range === 'custom') {
    if (state.customFrom) params.set('from', state.customFrom);
    if (state.customTo) params.set('to', state.customTo);
  }
  if (state.currency !== 'GBP') params.set('currency', state.currency);
  if (state.granularity) params.set('granularity', state.granularity);
  if (state.drill.region) params.set('region', state.drill.region);
  if (state.drill.channel) params.set('channel', state.drill.channel);
  if (state.drill.sku) params.set('sku', state.drill.sku);
  return params;
}

export interface DateRange {
  from: string;
  to: string;
}

/** Resolves a preset against `today` (ISO date). Custom ranges fall back to 30 days when incomplete. */
export function resolveRange(state: OverviewState, today: string): DateRange {
  switch (state.range) {
    case '30d':
      return { from: addDays(today, -29), to: today };
    case '90d':
      return { from: addDays(today, -89), to: today };
    case '12m':
      return { from: addDays(addYears(today, -1), 1), to: today };
    case 'ytd':
      return { from: `${today.slice(0, 4)}-01-01`, to: today };
    case 'custom':
      return {
        from: state.customFrom ?? addDays(state.customTo ?? today, -29),
        to: state.customTo ?? today,
      };
  }
}

/** day ≤ 62 days, week ≤ 370 days, otherwise month. */
export function autoGranularity(range: DateRange): Granularity {
  const days = daysInclusive(range.from, range.to);
  if (days <= 62) return 'day';
  if (days <= 370) return 'week';
  return 'month';
}

export function isValidRange(range: DateRange): boolean {
  return isIsoDate(range.from) && isIsoDate(range.to) && range.from <= range.to;
}
