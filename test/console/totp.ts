import { totpCode } from '../../src/registry/credentials.ts';

const STEP = 30_000;
const lastStep = new Map<string, number>();

/**
 * The TOTP code a test should send next for `secret`. Codes are single-use (the server refuses a
 * step not later than the last one used) and accepted within ±1 step, so a user who signs in
 * twice within 30 s must not be given the same step again. This gives the earliest unused step,
 * not before `from`'s (now by default); when that step would be beyond the server's window, it
 * waits for the clock (polled) rather than send a code the server refuses.
 */
export async function nextCode(secret: string, from = new Date()): Promise<string> {
  for (;;) {
    const now = Math.floor(Date.now() / STEP);
    const step = Math.max(Math.floor(from.getTime() / STEP), now - 1, (lastStep.get(secret) ?? -Infinity) + 1);
    if (step <= now + 1) {
      lastStep.set(secret, step);
      return totpCode(secret, new Date(step * STEP + 1_000));
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
