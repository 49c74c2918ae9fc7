/**
 * Text helpers shared by the server, the client and the dev scripts.
 *
 * @module
 */

/**
 * The text before the first `separator`, or all of it: `split(separator)[0]`, which always
 * exists, without the index that the type checker (rightly, for other indexes) calls maybe absent.
 */
export function firstField(text: string, separator: string): string {
  const at = text.indexOf(separator);
  return at === -1 ? text : text.slice(0, at);
}
