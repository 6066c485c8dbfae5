/**
 * Timers for workflow time: scaled by LOCAL_TIME_SCALE and able to wait longer than setTimeout's 24.8-day limit
 * (a longer delay would otherwise fire at once).
 */
const MAX_TIMEOUT_MS = 2_147_483_647;

export interface Timer {
  cancel(): void;
}

/** Runs `fn` at the absolute time `deadline` (epoch ms), chaining setTimeouts for long waits. */
export function runAt(deadline: number, fn: () => void): Timer {
  let handle: NodeJS.Timeout | undefined;
  let cancelled = false;
  const arm = () => {
    if (cancelled) return;
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      fn();
      return;
    }
    handle = setTimeout(arm, Math.min(remaining, MAX_TIMEOUT_MS));
  };
  arm();
  return {
    cancel() {
      cancelled = true;
      if (handle) clearTimeout(handle);
    },
  };
}

export function sleepUntil(deadline: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = runAt(deadline, () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
    const onAbort = () => {
      timer.cancel();
      resolve();
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Converts workflow seconds into real milliseconds under the runtime's time scale. */
export function scaledMs(seconds: number, timeScale: number): number {
  return seconds * 1000 * timeScale;
}
