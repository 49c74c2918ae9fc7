/**
 * Byte-buffer helpers shared by the server's outbox, the line framer and the load generator.
 *
 * @module
 */

/**
 * The chunks copied end to end into one new buffer, or into the start of `into` (which must be big
 * enough; the view returned is as long as the chunks): one write instead of several, or a line
 * split across reads made whole.
 */
export function concat(chunks: readonly Uint8Array[], into?: Uint8Array): Uint8Array {
  let size = 0;
  for (const c of chunks) size += c.length;
  const out = into ? into.subarray(0, size) : new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
