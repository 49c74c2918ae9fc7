/**
 * The median every dev script reports over repeated runs or timings (`deno task bench`,
 * `bench:cluster`, `bench:history`), so a figure called a median means the same everywhere.
 *
 * @module
 */

/**
 * Median of numbers: the middle one, or the mean of the two middle ones for an even count;
 * undefined for none, so a caller decides what an empty sample shows.
 */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1; // s has at least one value (checked above): s[mid] exists
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
