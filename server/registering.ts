/**
 * The connections to this server still registering: LUSERS reports them (253, "unknown
 * connections" in the Modern IRC docs), whether or not they have sent a NICK yet. Counted as
 * connections come and register, not by walking every connection at each LUSERS, which runs at
 * every registration.
 *
 * @module
 */

/** This server's connections between accept and their welcome (or their end before it). */
export class Registering {
  #count = 0;

  get count(): number {
    return this.#count;
  }

  /** A connection began registering. */
  began(): void {
    this.#count++;
  }

  /** A connection that `began` was welcomed, moved away, or ended first: called once for it. */
  ended(): void {
    this.#count--;
  }
}
