import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { OverrideForm } from '@/features/forecasting/components/override-form';
import { detail } from '@/features/forecasting/lib/forecast-fixture';

describe('OverrideForm', () => {
  it('refuses a missing reason and a non-numeric value, then submits the chosen week', async () => {
    const user = userEvent.setup();
    const onSubmit = vi.fn();
    render(<OverrideForm forecast={detail.forecast} onSubmit={onSubmit} isPending={false} error={null} />);
    await user.type(screen.getByLabelText('Units'), 'abc');
    await user.click(screen.getByRole('button', { name: 'Save override' }));
    expect(screen.getByRole('alert')).toHaveTextContent('number of 0 or more');
    await user.clear(screen.getByLabelText('Units'));
    await user.type(screen.getByLabelText('Units'), '25');
    await user.click(screen.getByRole('button', { name: 'Save override' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Say why');
    expect(onSubmit).not.toHaveBeenCalled();
    await user.selectOptions(screen.getByLabelText('Week'), '2026-12-07');
    await user.type(screen.getByLabelText('Reason'), ' Retailer promotion ');
    await user.click(screen.getByRole('button', { name: 'Save override' }));
    expect(onSubmit).toHaveBeenCalledWith({ period_start: '2026-12-07', value: 25, reason: 'Retailer promotion' });
  });
});
