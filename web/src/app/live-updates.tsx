import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { cn } from '@/shared/lib/cn';

/** How the browser hears of new data. */
export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'polling';

/** One message of `GET /api/v1/events`. */
export interface LiveEvent {
  kind: string;
  payload: unknown;
  created_at: string;
}

/** Which cached queries a kind of event makes stale. */
export function keysFor(kind: string): string[][] {
  if (kind.startsWith('data.')) return [['overview'], ['products'], ['forecasting']];
  if (kind === 'forecast.completed') return [['forecasting']];
  if (kind === 'job.updated') return [['admin', 'jobs'], ['admin', 'health'], ['data', 'sources']];
  if (kind === 'source.updated') return [['data', 'sources']];
  return [];
}

/** Failed connections in a row after which the page also polls. */
export const POLL_AFTER_FAILURES = 3;
/** How often a polling page refreshes its data. */
export const POLL_EVERY_MS = 30_000;

/** Delay before reconnect attempt `n` (1, 2, 4 … 30 s, with jitter). */
export function backoffMs(n: number): number {
  const base = Math.min(30_000, 1000 * 2 ** Math.max(0, n - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

function invalidate(queryClient: QueryClient, kinds: Set<string>) {
  const seen = new Set<string>();
  for (const kind of kinds) {
    for (const key of keysFor(kind)) {
      const id = key.join('/');
      if (seen.has(id)) continue;
      seen.add(id);
      void queryClient.invalidateQueries({ queryKey: key });
    }
  }
}

/**
 * Keeps an event stream open while the app is shown: refreshes the queries an event makes
 * stale (batched over 100 ms), reconnects with backoff from the last id it saw, and after
 * repeated failures also polls every 30 s until the stream is back.
 */
function useLiveStream(enabled: boolean): LiveState {
  const queryClient = useQueryClient();
  const [state, setState] = useState<LiveState>('connecting');

  useEffect(() => {
    if (!enabled) return;
    let source: EventSource | undefined;
    let lastId: string | undefined;
    let failures = 0;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let pollTimer: ReturnType<typeof setInterval> | undefined;
    let flushTimer: ReturnType<typeof setTimeout> | undefined;
    let pending = new Set<string>();
    let stopped = false;

    const stopPolling = () => {
      if (pollTimer !== undefined) clearInterval(pollTimer);
      pollTimer = undefined;
    };
    const connect = () => {
      const url = lastId ? `/api/v1/events?after=${encodeURIComponent(lastId)}` : '/api/v1/events';
      source = new EventSource(url);
      source.onopen = () => {
        failures = 0;
        stopPolling();
        setState('live');
      };
      source.onmessage = (message: MessageEvent<string>) => {
        if (message.lastEventId) lastId = message.lastEventId;
        let event: LiveEvent;
        try {
          event = JSON.parse(message.data) as LiveEvent;
        } catch {
          return;
        }
        pending.add(event.kind);
        flushTimer ??= setTimeout(() => {
          flushTimer = undefined;
          const kinds = pending;
          pending = new Set();
          invalidate(queryClient, kinds);
        }, 100);
      };
      source.onerror = () => {
        // Reconnect ourselves (from the last id) so the delay backs off.
        source?.close();
        if (stopped) return;
        failures += 1;
        if (failures >= POLL_AFTER_FAILURES) {
          setState('polling');
          pollTimer ??= setInterval(() => {
            invalidate(queryClient, new Set(['data.poll', 'forecast.completed']));
          }, POLL_EVERY_MS);
        } else {
          setState('reconnecting');
        }
        retryTimer = setTimeout(connect, backoffMs(failures));
      };
    };
    connect();
    return () => {
      stopped = true;
      source?.close();
      stopPolling();
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      if (flushTimer !== undefined) clearTimeout(flushTimer);
    };
  }, [queryClient, enabled]);

  return state;
}

const LiveContext = createContext<LiveState>('connecting');

/** Opens the event stream for the signed-in app (when `enabled`) and shares its state. */
export function LiveUpdatesProvider({ enabled, children }: { enabled: boolean; children: ReactNode }) {
  const state = useLiveStream(enabled);
  return <LiveContext value={state}>{children}</LiveContext>;
}

const LABELS: Record<LiveState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  polling: 'Offline: refreshing every 30 s',
};

/** A small badge: whether new data shows up by itself. */
export function LiveStatus() {
  const state = useContext(LiveContext);
  return (
    <span role="status" aria-live="polite" data-state={state} className="flex items-center gap-1.5 text-xs font-medium text-slate-600">
      <span
        aria-hidden="true"
        className={cn(
          'size-2 rounded-full',
          state === 'live' ? 'bg-emerald-500' : state === 'polling' ? 'bg-red-500' : 'bg-amber-400',
        )}
      />
      <span className="sr-only">Live updates: </span>
      {LABELS[state]}
    </span>
  );
}
