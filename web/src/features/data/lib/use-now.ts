import { useSyncExternalStore } from 'react';

/** How often relative times ("3 min ago") move on. */
export const TICK_MS = 15_000;

// One shared clock for every subscriber: a single timer runs while anything shows a time.
let current = Date.now();
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (timer === undefined) {
    current = Date.now();
    timer = setInterval(() => {
      current = Date.now();
      for (const l of listeners) l();
    }, TICK_MS);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

function snapshot(): number {
  return current;
}

/** The current time in ms, re-rendering every 15 s without refetching anything. */
export function useNow(): number {
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}
