/**
 * Where the time comes from. Rules take `now` as an argument and tasks get the clock from their context, so a test
 * can decide what "now" is (`fixedClock`) instead of waiting for it; nothing in `core/` or `tasks/` calls
 * `new Date()` without an argument except `systemClock`.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that reads `at` until moved with `advance` (tests). */
export function fixedClock(at: string | Date): Clock & { advance(seconds: number): void } {
  let current = new Date(at);
  return {
    now: () => new Date(current),
    advance(seconds: number) {
      current = new Date(current.getTime() + seconds * 1000);
    },
  };
}
