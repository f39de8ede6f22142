import { describe, expect, it } from 'vitest';
import { buildOverviewCsv } from '@/features/overview/lib/overview-csv';

describe('buildOverviewCsv', () => {
  it('exports the breakdown rows and the time series with quoting and major units', () => {
    const csv = buildOverviewCsv({
      from: '2025-01-01',
      to: '2025-01-31',
      currency: 'GBP',
      filters: 'UK',
      breakdownTitle: 'Channels in UK',
      granularity: 'day',
      groups: [
        {
          key: 'AMZ-UK',
          label: 'Amazon, UK',
          totals: { gross_sales_minor: 123_456, refunds_minor: 0, revenue_minor: 123_456, cogs_minor: 50_000, gross_margin_minor: 73_456, gross_margin_pct: 59.5, units: 42, },
        },
        {
          key: 'SHOP-UK',
          label: 'Shopify "UK"',
          totals: { gross_sales_minor: 0, refunds_minor: 0, revenue_minor: 0, cogs_minor: 0, gross_margin_minor: 0, gross_margin_pct: null, units: 0 },
        },
      ],
      points: [{ period: '2025-01-01', revenue_minor: -1_050, units: 3, gross_margin_minor: 700 }],
    });
    const lines = csv.split('\r\n');
    expect(lines).toContain('AMZ-UK,"Amazon, UK",1234.56,42,734.56,59.5');
    expect(lines).toContain('SHOP-UK,"Shopify ""UK""",0.00,0,0.00,');
    expect(lines).toContain('2025-01-01,-10.50,3,7.00');
    expect(lines.indexOf('Channels in UK')).toBeLessThan(lines.indexOf('Revenue and units by day'));
  });
});
