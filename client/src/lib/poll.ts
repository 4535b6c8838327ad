// Bounded polling with exponential backoff: the order is usually paid within a second of the
// redirect (the webhook races the browser), but a slow webhook must not turn into a request
// storm, and the page must stop asking eventually.

export interface PollOptions {
  firstDelayMs?: number;
  factor?: number;
  maxDelayMs?: number;
  /** Give up after this long in total. */
  timeoutMs?: number;
}

/** The delays before each attempt after the first: 500, 750, 1125 … capped, summing to at most timeoutMs. */
export function computeBackoffDelays(options: PollOptions = {}): number[] {
  const { firstDelayMs = 500, factor = 1.5, maxDelayMs = 4_000, timeoutMs = 45_000 } = options;
  const delays: number[] = [];
  let delay = firstDelayMs;
  let total = 0;
  while (total + delay <= timeoutMs) {
    delays.push(delay);
    total += delay;
    delay = Math.min(maxDelayMs, Math.round(delay * factor));
  }
  return delays;
}

/**
 * Calls `attempt` until it returns a value other than undefined, waiting the backoff delays in
 * between. Resolves undefined when the delays run out.
 */
export async function pollUntil<T>(attempt: () => Promise<T | undefined>, options: PollOptions = {}): Promise<T | undefined> {
  const first = await attempt();
  if (first !== undefined) return first;
  for (const delay of computeBackoffDelays(options)) {
    await new Promise((resolve) => setTimeout(resolve, delay));
    const result = await attempt();
    if (result !== undefined) return result;
  }
  return undefined;
}
