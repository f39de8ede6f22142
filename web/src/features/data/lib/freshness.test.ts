import { describe, expect, it } from 'vitest';
import { ageSecs, clockOffsetMs, formatInterval, formatRelative, freshnessAt } from '@/features/data/lib/freshness';

const NOW = Date.parse('2026-03-02T12:00:00Z');
const before = (secs: number) => new Date(NOW - secs * 1000).toISOString();
const after = (secs: number) => new Date(NOW + secs * 1000).toISOString();

describe('freshness', () => {
  it('is green under 2 minutes, yellow to 5, red after and none before the first good sync', () => {
    expect(freshnessAt(before(0), NOW)).toBe('green');
    expect(freshnessAt(before(119), NOW)).toBe('green');
    expect(freshnessAt(before(120), NOW)).toBe('yellow');
    expect(freshnessAt(before(300), NOW)).toBe('yellow');
    expect(freshnessAt(before(301), NOW)).toBe('red');
    expect(freshnessAt(null, NOW)).toBe('none');
    expect(freshnessAt(undefined, NOW)).toBe('none');
  });

  it('moves on as time passes without new data', () => {
    const synced = before(100);
    expect(freshnessAt(synced, NOW)).toBe('green');
    expect(freshnessAt(synced, NOW + 30_000)).toBe('yellow');
    expect(freshnessAt(synced, NOW + 210_000)).toBe('red');
  });

  it('never counts a negative age when the clocks disagree a little', () => {
    expect(ageSecs(after(5), NOW)).toBe(0);
    expect(freshnessAt(after(5), NOW)).toBe('green');
  });
});

describe('formatRelative', () => {
  it('says how long ago in whole units', () => {
    expect(formatRelative(before(10), NOW)).toBe('just now');
    expect(formatRelative(before(60), NOW)).toBe('1 min ago');
    expect(formatRelative(before(3 * 60 + 50), NOW)).toBe('3 min ago');
    expect(formatRelative(before(2 * 3600 + 59 * 60), NOW)).toBe('2 hr ago');
    expect(formatRelative(before(3 * 86_400), NOW)).toBe('3 days ago');
  });

  it('says how soon for times to come', () => {
    expect(formatRelative(after(20), NOW)).toBe('in under a minute');
    expect(formatRelative(after(150), NOW)).toBe('in 2 min');
  });
});

describe('clock offset and intervals', () => {
  it('measures how far the server clock is ahead', () => {
    expect(clockOffsetMs('2026-03-02T12:00:05Z', NOW)).toBe(5000);
    expect(clockOffsetMs('not a time', NOW)).toBe(0);
  });

  it('writes intervals in the largest whole unit', () => {
    expect(formatInterval(45)).toBe('every 45 s');
    expect(formatInterval(90)).toBe('every 90 s');
    expect(formatInterval(300)).toBe('every 5 min');
    expect(formatInterval(7200)).toBe('every 2 h');
  });
});
