/**
 * Waiting for a condition on state that has no event to wait on (a server's connection count),
 * by re-checking often until a deadline.
 *
 * @module
 */

/** Resolves when `condition()` holds; throws naming `what` at the deadline. */
export async function waitUntil(
  condition: () => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
