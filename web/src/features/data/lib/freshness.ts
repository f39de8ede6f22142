import { APP_LOCALE } from '@/shared/lib/format';

/** How recent a source's data is: by the age of its last good sync, or none yet. */
export type Freshness = 'green' | 'yellow' | 'red' | 'none';

/** Under this age since the last good sync a source is green (the server's threshold). */
export const FRESH_SECS = 120;
/** Up to this age it is yellow; older is red. */
export const STALE_SECS = 300;

/** Seconds from `iso` to `nowMs` (never negative), or null without a time. */
export function ageSecs(iso: string | null | undefined, nowMs: number): number | null {
  if (!iso) return null;
  return Math.max(0, Math.floor((nowMs - Date.parse(iso)) / 1000));
}

/** The freshness of a last good sync at `lastSuccessAt`, seen at `nowMs`. */
export function freshnessAt(lastSuccessAt: string | null | undefined, nowMs: number): Freshness {
  const age = ageSecs(lastSuccessAt, nowMs);
  if (age === null) return 'none';
  if (age < FRESH_SECS) return 'green';
  if (age <= STALE_SECS) return 'yellow';
  return 'red';
}

export const FRESHNESS_LABEL: Record<Freshness, string> = {
  green: 'Fresh',
  yellow: 'Getting stale',
  red: 'Stale',
  none: 'Never synced',
};

const relative = new Intl.RelativeTimeFormat(APP_LOCALE, { style: 'short', numeric: 'always' });

/** `iso` relative to `nowMs`: "just now", "3 min ago", "in 2 min", "1 hr ago", "3 days ago". */
export function formatRelative(iso: string, nowMs: number): string {
  const diffSecs = (Date.parse(iso) - nowMs) / 1000;
  const sign = diffSecs < 0 ? -1 : 1;
  const abs = Math.abs(diffSecs);
  if (abs < 60) return sign < 0 ? 'just now' : 'in under a minute';
  // Whole units elapsed: 3 min 50 s ago is "3 min ago", as a clock would show it.
  if (abs < 3600) return relative.format(sign * Math.floor(abs / 60), 'minute');
  if (abs < 86_400) return relative.format(sign * Math.floor(abs / 3600), 'hour');
  return relative.format(sign * Math.floor(abs / 86_400), 'day');
}

/** The local time of day of `iso`, e.g. "14:05:09". */
export function formatClock(iso: string): string {
  return new Intl.DateTimeFormat(APP_LOCALE, { hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(
    new Date(iso),
  );
}

/** A sync interval in words: "every 60 s", "every 5 min", "every 2 h". */
export function formatInterval(secs: number): string {
  if (secs < 60 || secs % 60 !== 0) return `every ${secs} s`;
  if (secs < 3600 || secs % 3600 !== 0) return `every ${secs / 60} min`;
  return `every ${secs / 3600} h`;
}

/**
 * How far the server's clock is ahead of the browser's, from the `now` of a response that
 * arrived at `receivedAtMs`. Ages are counted on the server's clock so a browser whose clock
 * is off does not show a fresh source as stale.
 */
export function clockOffsetMs(serverNow: string, receivedAtMs: number): number {
  const server = Date.parse(serverNow);
  return Number.isNaN(server) ? 0 : server - receivedAtMs;
}
