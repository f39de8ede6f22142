import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Kpi } from '@/features/overview/api/overview-queries';
import { KpiCard } from '@/features/overview/components/kpi-card';

const revenue: Kpi = {
  id: 'revenue',
  label: 'Revenue',
  unit: 'money',
  value: 12_345_678,
  previous: 11_000_000,
  value_minor: 12_345_678,
  previous_minor: 11_000_000,
  change_pct: 12.23,
  change_points: null,
  better_when: 'higher',
};

describe('KpiCard', () => {
  it('formats the value in the currency and shows the change with sign, arrow and text', () => {
    render(<KpiCard kpi={revenue} currency="GBP" />);
    expect(screen.getByTestId('kpi-revenue-value')).toHaveTextContent('£123,457');
    const change = screen.getByTestId('kpi-revenue-change');
    expect(change).toHaveTextContent('+12.2%');
    expect(change).toHaveTextContent('▲');
    expect(change).toHaveTextContent('Up');
    expect(change).toHaveTextContent('(favourable)');
    expect(change.className).toContain('emerald');
    expect(screen.getByText('vs previous period')).toBeInTheDocument();
    expect(screen.getByRole('article', { name: 'Revenue' })).toBeInTheDocument();
  });

  it('marks a fall as favourable when lower is better', () => {
    render(
      <KpiCard
        kpi={{ id: 'stock_cover_days', label: 'Stock cover', unit: 'days', value: 41.6, previous: 50, change_pct: -16.8, change_points: null, value_minor: null, previous_minor: null, better_when: 'lower' }}
        currency="GBP"
      />,
    );
    expect(screen.getByTestId('kpi-stock_cover_days-value')).toHaveTextContent('42 days');
    const change = screen.getByTestId('kpi-stock_cover_days-change');
    expect(change).toHaveTextContent('\u221216.8%');
    expect(change).toHaveTextContent('▼');
    expect(change).toHaveTextContent('(favourable)');
  });

  it('marks a rise as unfavourable when lower is better, and handles no comparison', () => {
    const { unmount } = render(
      <KpiCard kpi={{ ...revenue, id: 'cost', better_when: 'lower', change_pct: 5 }} currency="EUR" />,
    );
    expect(screen.getByTestId('kpi-cost-change')).toHaveTextContent('(unfavourable)');
    expect(screen.getByTestId('kpi-cost-change').className).toContain('red');
    unmount();
    render(
      <KpiCard kpi={{ ...revenue, unit: 'percent', value: 41.25, previous: null, change_pct: null }} currency="GBP" />,
    );
    expect(screen.getByTestId('kpi-revenue-value')).toHaveTextContent('41.3%');
    expect(screen.getByText('No previous period to compare')).toBeInTheDocument();
  });

  it('shows a percentage KPI change in percentage points', () => {
    render(
      <KpiCard
        kpi={{ ...revenue, id: 'gross_margin_pct', unit: 'percent', value: 42, previous: 40, change_pct: null, change_points: 2 }}
        currency="GBP"
      />,
    );
    const change = screen.getByTestId('kpi-gross_margin_pct-change');
    expect(change).toHaveTextContent('+2.0 pp');
    expect(change).not.toHaveTextContent('%');
  });
});
