import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ModelTable } from '@/features/forecasting/components/model-table';
import { detail } from '@/features/forecasting/lib/forecast-fixture';

describe('ModelTable', () => {
  it('shows one row per model with weights and metrics, dashes where undefined', () => {
    render(<ModelTable models={detail.models} />);
    const rows = screen.getAllByRole('row').slice(1);
    expect(rows).toHaveLength(3);
    const ets = within(screen.getByRole('rowheader', { name: 'ets' }).closest('tr') as HTMLElement);
    expect(ets.getByText('60%')).toBeInTheDocument();
    expect(ets.getByText('1.70')).toBeInTheDocument();
    expect(ets.getByText('78%')).toBeInTheDocument();
    const arima = screen.getByRole('rowheader', { name: 'arima' }).closest('tr') as HTMLElement;
    expect(within(arima).getAllByText('—')).toHaveLength(8);
    expect(within(arima).getByText('0%')).toBeInTheDocument();
    expect(arima).toHaveAttribute('title', 'fit failed');
  });
});
