/**
 * No hand-written source file outside `tests/` grows past 500 lines: a module that long holds
 * more than one job and is split (issue 18). That includes the web page's own files (`web/*.js`,
 * `.css`, `.html`), not only TypeScript. Generated files are exempt, named below (`dist/` is
 * skipped as build output); tests are exempt because a test file's length follows the behaviour
 * it covers.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT, sourceFiles } from "../helpers/module_graph.ts";

/** The most lines a hand-written source file may have. */
const MAX_LINES = 500;

/** What counts as source: the TypeScript, and the web page's JavaScript, CSS and HTML. */
const SOURCE_EXTENSIONS = [".ts", ".js", ".css", ".html"];

/**
 * Generated, so exempt: `web/assets.ts` is written by `deno task web:assets`
 * (scripts/web_assets.ts) from the page's files.
 */
const GENERATED = new Set(["web/assets.ts"]);

/** The lines of a text as `wc -l` counts them, plus an unterminated last one. */
function lineCount(text: string): number {
  return text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}

Deno.test({
  name: `layout: no non-generated source file outside tests/ is over ${MAX_LINES} lines`,
  fn() {
    const offenders = sourceFiles("", SOURCE_EXTENSIONS)
      .filter((f) => !f.startsWith("tests/") && !GENERATED.has(f))
      .map((f) => ({ f, lines: lineCount(Deno.readTextFileSync(join(ROOT, f))) }))
      .filter(({ lines }) => lines > MAX_LINES)
      .map(({ f, lines }) => `${f}: ${lines} lines`);
    assert.deepEqual(offenders, []);
  },
});
