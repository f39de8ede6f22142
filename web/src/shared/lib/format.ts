/**
 * Number formatting used across the app (and by the end-to-end tests, which import these
 * functions to compare the UI with the API). The locale is fixed so the same value always
 * renders the same way regardless of the browser's language.
 */
export const APP_LOCALE = 'en-GB';

export type CurrencyCode = 'GBP' | 'EUR' | 'USD';
export type KpiUnitKind = 'money' | 'count' | 'percent' | 'days';

/** Amounts at or above this many major units are shown without decimals. */
const LARGE_MONEY = 1000;

/** All supported currencies have two minor digits (pence, cents). */
export function minorToMajor(amountMinor: number): number {
  return amountMinor / 100;
}

export function formatMoneyMinor(amountMinor: number, currency: CurrencyCode): string {
  const major = minorToMajor(amountMinor);
  const digits = Math.abs(major) >= LARGE_MONEY ? 0 : 2;
  return new Intl.NumberFormat(APP_LOCALE, {
    style: 'currency',
    currency,
    currencyDisplay: 'narrowSymbol',
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(major);
}

/** Compact money for chart axes, e.g. "£1.2M". */
export function formatMoneyCompact(amountMajor: number, currency: CurrencyCode): string {
  return new Intl.NumberFormat(APP_LOCALE, {
    style: 'currency',
    currency,
    currencyDisplay: 'narrowSymbol',
    notation: 'compact',
    maximumFractionDigits: 1,
  }).format(amountMajor);
}

export function formatCount(value: number): string {
  return new Intl.NumberFormat(APP_LOCALE, { maximumFractionDigits: 0, useGrouping: true }).format(value);
}

/** `value` is in percent (42.5 means 42.5 %). */
export function formatPercent(value: number): string {
  const text = new Intl.NumberFormat(APP_LOCALE, {
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  }).format(value);
  return `${text}%`;
}

export function formatDays(value: number): string {
  const rounded = Math.round(value);
  const text = new Intl.NumberFormat(APP_LOCALE, { maximumFractionDigits: 0 }).format(rounded);
  return `${text} ${rounded === 1 ? 'day' : 'days'}`;
}

/** Formats a KPI value by its unit; money values are minor units of `currency`. */
export function formatKpiValue(value: number, unit: KpiUnitKind, currency: CurrencyCode): string {
  switch (unit) {
    case 'money':
      return formatMoneyMinor(value, currency);
    case 'count':
      return formatCount(value);
    case 'percent':
      return formatPercent(value);
    case 'days':
      return formatDays(value);
  }
}

/** Shown when a value is missing (e.g. a margin without revenue). */
export const NO_VALUE = '\u2014';

/** Like `formatKpiValue`, but a missing value (null/undefined) renders as an em dash. */
export function formatKpiDisplay(
  value: number | null | undefined,
  unit: KpiUnitKind,
  currency: CurrencyCode,
): string {
  return value === null || value === undefined ? NO_VALUE : formatKpiValue(value, unit, currency);
}

/** A signed percentage change, e.g. "+12.3%" or "−4.0%" (true minus sign). */
export function formatSignedPercent(value: number): string {
  const abs = new Intl.NumberFormat(APP_LOCALE, {
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  }).format(Math.abs(value));
  if (abs === '0.0') return '0.0%';
  return `${value > 0 ? '+' : '\u2212'}${abs}%`;
}

/** Formats a change in percentage points with an explicit sign, e.g. "+1.2 pp", "−0.4 pp". */
export function formatSignedPoints(value: number): string {
  const abs = new Intl.NumberFormat(APP_LOCALE, {
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  }).format(Math.abs(value));
  if (abs === '0.0') return '0.0 pp';
  return `${value > 0 ? '+' : '\u2212'}${abs} pp`;
}

/** Formats an ISO date (YYYY-MM-DD) as e.g. "3 Mar 2025" without time-zone shifts. */
export function formatIsoDate(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number);
  if (y === undefined || m === undefined || d === undefined) return iso;
  return new Intl.DateTimeFormat(APP_LOCALE, {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(new Date(Date.UTC(y, m - 1, d)));
}
