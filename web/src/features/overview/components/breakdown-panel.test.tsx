import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { SummaryGroup } from '@/features/overview/api/overview-queries';
import { BreakdownPanel } from '@/features/overview/components/breakdown-panel';

// ECharts needs a real canvas; the table is what this test is about.
vi.mock('@/shared/components/echart', () => ({
  EChart: ({ ariaLabel }: { ariaLabel: string }) => <div role="img" aria-label={ariaLabel} />,
}));

const groups: SummaryGroup[] = [
  {
    key: 'UK',
    label: 'United Kingdom',
    totals: { gross_sales_minor: 250_000_00, refunds_minor: 0, revenue_minor: 250_000_00, cogs_minor: 100_000_00, gross_margin_minor: 150_000_00, gross_margin_pct: 60, units: 12_345 },
  },
  {
    key: 'EU',
    label: 'European Union',
    totals: { gross_sales_minor: 120_000_00, refunds_minor: 0, revenue_minor: 120_000_00, cogs_minor: 60_000_00, gross_margin_minor: 60_000_00, gross_margin_pct: null, units: 6_000 },
  },
];

function renderPanel(onDrill?: (key: string) => void) {
  render(
    <BreakdownPanel
      title="Revenue by region"
      keyHeading="Region"
      groups={groups}
      currency="GBP"
      onDrill={onDrill}
      error={null}
      isPending={false}
      isFetching={false}
      onRetry={() => undefined}
    />,
  );
}

describe('BreakdownPanel', () => {
  it('lists the groups in an accessible table', () => {
    renderPanel(vi.fn());
    const table = screen.getByRole('table', { name: 'Revenue by region' });
    expect(table).toBeInTheDocument();
    expect(screen.getByRole('row', { name: /UK United Kingdom £250,000 12,345 £150,000 60\.0%/ })).toBeInTheDocument();
    expect(screen.getByRole('row', { name: /EU European Union £120,000 6,000 £60,000 —/ })).toBeInTheDocument();
  });

  it('drills into a row with the keyboard', async () => {
    const onDrill = vi.fn();
    renderPanel(onDrill);
    const user = userEvent.setup();
    await user.tab(); // PNG download button
    await user.tab();
    expect(screen.getByRole('button', { name: 'Drill into UK' })).toHaveFocus();
    await user.keyboard('{Enter}');
    expect(onDrill).toHaveBeenCalledWith('UK');
  });

  it('offers no drill-down at the deepest level', () => {
    renderPanel(undefined);
    expect(screen.queryByRole('button', { name: /Drill into/ })).not.toBeInTheDocument();
  });
});
