/**
 * Waiting for something with a bound: a wait that must end even if what it waits for never
 * comes (a cluster echo lost with its node), without leaving a timer behind when it does come.
 *
 * @module
 */

/** Resolves when `promise` settles or after `ms`, whichever is first; never rejects. */
export function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<void>((resolve) => timer = setTimeout(resolve, ms));
  return Promise.race([promise.then(() => {}, () => {}), bound]).finally(() => clearTimeout(timer));
}
