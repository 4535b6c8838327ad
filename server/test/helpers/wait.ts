// Waits for something the emulator's webhook delivery makes true (delivery runs on timers).
// The getter may be async (the store's reads return Promises); each read is awaited.
// At the deadline it throws, with the last value read: a wait that quietly gave up would let
// the assertion after it check a state nothing has changed yet, and pass for the wrong reason.
import { inspect } from 'node:util';

export async function waitFor<T>(read: () => T | Promise<T>, done: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(
        `waitFor: not done after ${timeoutMs} ms; the last value read was ${inspect(value, { depth: 3, maxStringLength: 2_000 })}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
