import { describe, expect, it } from 'vitest';
import { formatKpiDisplay, formatKpiValue, formatSignedPercent } from '@/shared/lib/format';

describe('formatKpiValue', () => {
  it('formats money from minor units, without decimals for large amounts', () => {
    expect(formatKpiValue(123_456_789, 'money', 'GBP')).toBe('£1,234,568');
    expect(formatKpiValue(99_950, 'money', 'EUR')).toBe('€999.50');
    expect(formatKpiValue(500_000, 'money', 'USD')).toBe('$5,000');
  });

  it('formats percent with one decimal, days with none and counts with grouping', () => {
    expect(formatKpiValue(42.345, 'percent', 'GBP')).toBe('42.3%');
    expect(formatKpiValue(37.6, 'days', 'GBP')).toBe('38 days');
    expect(formatKpiValue(1, 'days', 'GBP')).toBe('1 day');
    expect(formatKpiValue(1_234_567, 'count', 'GBP')).toBe('1,234,567');
  });
});

describe('formatKpiDisplay', () => {
  it('shows an em dash for a missing value instead of a misleading zero', () => {
    expect(formatKpiDisplay(null, 'percent', 'GBP')).toBe('\u2014');
    expect(formatKpiDisplay(undefined, 'days', 'GBP')).toBe('\u2014');
    expect(formatKpiDisplay(0, 'count', 'GBP')).toBe('0');
  });
});

describe('formatSignedPercent', () => {
  it('always shows the sign', () => {
    expect(formatSignedPercent(12.34)).toBe('+12.3%');
    expect(formatSignedPercent(-4)).toBe('\u22124.0%');
    expect(formatSignedPercent(0.01)).toBe('0.0%');
  });
});
