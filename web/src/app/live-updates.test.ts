import { describe, expect, it } from 'vitest';
import { backoffMs, keysFor } from '@/app/live-updates';

describe('live updates', () => {
  it('refreshes the data pages on new facts and only the forecasts on a finished run', () => {
    expect(keysFor('data.orders')).toContainEqual(['overview']);
    expect(keysFor('forecast.completed')).toEqual([['forecasting']]);
    expect(keysFor('job.updated')).not.toContainEqual(['overview']);
    expect(keysFor('something.else')).toEqual([]);
  });

  it('refreshes the data sources when a source or a job changes', () => {
    expect(keysFor('source.updated')).toEqual([['data', 'sources']]);
    expect(keysFor('job.updated')).toContainEqual(['data', 'sources']);
    expect(keysFor('source.updated')).not.toContainEqual(['overview']);
  });

  it('backs off from about a second to at most about 30 s', () => {
    for (let i = 0; i < 50; i += 1) {
      expect(backoffMs(1)).toBeGreaterThanOrEqual(800);
      expect(backoffMs(1)).toBeLessThanOrEqual(1200);
      expect(backoffMs(3)).toBeGreaterThanOrEqual(3200);
      expect(backoffMs(20)).toBeLessThanOrEqual(36_000);
    }
  });
});
