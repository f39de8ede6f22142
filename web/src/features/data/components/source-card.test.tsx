import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ReactNode } from 'react';
import { describe, expect, it } from 'vitest';
import type { Source } from '@/features/data/api/data-queries';
import { SourceCard } from '@/features/data/components/source-card';
import { sourceFixture } from '@/features/data/lib/source-fixture';

const NOW = Date.parse('2026-03-02T12:00:00Z');
const before = (secs: number) => new Date(NOW - secs * 1000).toISOString();
const after = (secs: number) => new Date(NOW + secs * 1000).toISOString();

function wrap(children: ReactNode) {
  return <QueryClientProvider client={new QueryClient()}>{children}</QueryClientProvider>;
}

function renderCard(source: Source, can = { execute: true, configure: true }) {
  return render(
    wrap(
      <SourceCard
        source={source}
        nowMs={NOW}
        canExecute={can.execute}
        canConfigure={can.configure}
        onStepUpNeeded={() => undefined}
      />,
    ),
  );
}

describe('SourceCard', () => {
  it('shows a source that is not connected: grey, never synced, nothing to sync yet', async () => {
    const user = userEvent.setup();
    renderCard(sourceFixture());
    const card = screen.getByRole('article', { name: 'Shopify UK' });
    expect(within(card).getByTestId('source-status')).toHaveTextContent('Not connected');
    expect(within(card).getByTestId('source-freshness')).toHaveTextContent('Never synced');
    expect(within(card).getByTestId('source-freshness')).toHaveAttribute('data-freshness', 'none');
    expect(within(card).getByRole('button', { name: 'Sync now' })).toBeDisabled();
    expect(within(card).getByRole('button', { name: 'Reconcile' })).toBeDisabled();

    const connect = within(card).getByRole('button', { name: 'Connect' });
    expect(connect).toHaveAttribute('aria-expanded', 'false');
    await user.click(connect);
    const form = within(card).getByRole('form', { name: 'Connection of Shopify UK' });
    const token = within(form).getByLabelText('Access token');
    expect(token).toHaveAttribute('type', 'password');
    expect(token).toHaveValue('');
    expect(within(form).getByTestId('credential-access_token-state')).toHaveTextContent('not set');
    expect(within(form).getByLabelText('Channel')).toHaveValue('SHOP-UK');
  });

  it('shows a failing source: its age, counts, error, open circuit and reconciliation', async () => {
    const user = userEvent.setup();
    renderCard(
      sourceFixture({
        status: 'circuit_open',
        credentials_set: ['access_token'],
        enabled: true,
        last_success_at: before(3 * 60 + 10),
        last_attempt_at: before(20),
        last_error: 'Shopify could not be reached: connection refused',
        last_error_at: before(20),
        consecutive_failures: 5,
        circuit: 'open',
        circuit_open_until: '2026-03-02T12:00:30Z',
        next_sync_at: after(30),
        record_counts: { orders: 1234, invoices: 0 },
        last_sync_records: 12,
        reconciliation: [
          {
            object: 'orders',
            in_source: 1236,
            in_sentia: 1234,
            missing_in_sentia: ['5001', '5002'],
            missing_in_sentia_count: 2,
            missing_in_source: [],
            missing_in_source_count: 0,
          },
        ],
        reconciled_at: before(600),
      }),
    );
    const card = screen.getByRole('article', { name: 'Shopify UK' });
    expect(within(card).getByTestId('source-status')).toHaveTextContent('Paused after failures');
    expect(within(card).getByTestId('source-freshness')).toHaveAttribute('data-freshness', 'yellow');
    expect(card).toHaveTextContent('3 min ago');
    expect(card).toHaveTextContent('in under a minute');
    expect(card).toHaveTextContent('1,234 orders');
    expect(card).not.toHaveTextContent('invoices');
    expect(within(card).getByTestId('source-circuit')).toHaveTextContent(/paused until \d\d:\d\d:\d\d/);
    expect(card).toHaveTextContent('5 failed syncs in a row');
    expect(within(card).getByTestId('source-last-error')).toHaveTextContent('connection refused');
    expect(within(card).getByRole('button', { name: 'Sync now' })).toBeEnabled();

    const table = within(card).getByRole('table', { name: 'Reconciliation of Shopify UK' });
    const row = within(table).getByRole('row', { name: /orders/ });
    expect(row).toHaveTextContent('1,236');
    await user.click(within(row).getByText('2'));
    const ids = within(row).getByRole('list', { name: 'orders missing in Sentia' });
    expect(within(ids).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['5001', '5002']);

    await user.click(within(card).getByRole('button', { name: 'Edit connection' }));
    expect(within(card).getByTestId('credential-access_token-state')).toHaveTextContent(/^set$/);
    expect(within(card).getByLabelText('Access token')).toHaveValue('');
  });

  it('offers no actions to a user who may only look', () => {
    renderCard(sourceFixture({ credentials_set: ['access_token'] }), { execute: false, configure: false });
    const card = screen.getByRole('article', { name: 'Shopify UK' });
    expect(within(card).queryByRole('button')).toBeNull();
  });
});
