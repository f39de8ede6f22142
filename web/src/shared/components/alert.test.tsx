import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { toApiError } from '@/api/errors';
import { ErrorAlert } from '@/shared/components/alert';

describe('ErrorAlert', () => {
  it('shows the server message and field details of an API error', () => {
    const error = toApiError(400, {
      error: { code: 'invalid_query', message: 'The query is invalid.', details: [{ field: 'from', reason: 'not a date' }] },
    });
    expect(error.code).toBe('invalid_query');
    render(<ErrorAlert title="Could not load" error={error} />);
    const alert = screen.getByRole('alert');
    expect(alert).toHaveTextContent('Could not load');
    expect(alert).toHaveTextContent('The query is invalid.');
    expect(alert).toHaveTextContent('from: not a date');
  });

  it('falls back to a readable message when the body is not an API error', () => {
    render(<ErrorAlert error={toApiError(502, '<html>Bad gateway</html>')} />);
    expect(screen.getByRole('alert')).toHaveTextContent('The server answered with HTTP 502.');
  });
});
