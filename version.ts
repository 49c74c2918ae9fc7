/**
 * The product version, read from deno.json (the one place it is set), and the line
 * `chat --version` prints.
 *
 * @module
 */

import denoJson from "./deno.json" with { type: "json" };

/** The version number, e.g. `0.1.0`. */
export const VERSION: string = denoJson.version;

/** `chat 0.1.0 (deno 2.9.6, x86_64-unknown-linux-gnu)`. */
export function versionLine(): string {
  return `chat ${VERSION} (deno ${Deno.version.deno}, ${Deno.build.target})`;
}
