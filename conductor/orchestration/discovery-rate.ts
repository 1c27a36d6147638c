/**
 * @module conductor/orchestration/discovery-rate
 * A sliding one-minute window bounding how many nodes discovery creates: the path takes no
 * credentials, so a flood of invented servers costs at most this many rows a minute.
 */

export interface RateWindow {
  /** True (and counted) when another creation fits in the last minute. */
  take(now?: number): boolean;
}

/**
 * @example
 * const rate = createRateWindow(10);
 * rate.take(); // true ten times a minute, then false
 */
export function createRateWindow(perMinute: number, windowMs = 60_000): RateWindow {
  const stamps: number[] = [];
  return {
    take(now = Date.now()) {
      while (stamps.length && stamps[0]! <= now - windowMs) stamps.shift();
      if (stamps.length >= perMinute) return false;
      stamps.push(now);
      return true;
    },
  };
}
