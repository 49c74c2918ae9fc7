/**
 * The layout rules the README states, checked on the source tree: nothing outside `tests/`
 * imports from it, `bench/` holds only what `chat bench` ships, and the binary (`main.ts`) pulls
 * in no dev script. The module graph (imports, dynamic imports, and `.ts` entries launched by
 * `new URL`) is read by tests/helpers/module_graph.ts.
 */
import assert from "node:assert/strict";
import { loadsOf, reachable, readModules, sourceFiles } from "../helpers/module_graph.ts";

const modules = readModules();

/** The files `path` loads by a relative specifier: its imports and the entries it launches. */
function relativeImports(path: string): string[] {
  const refs = modules.get(path);
  return refs === undefined ? [] : loadsOf(refs);
}

Deno.test("layout: no module outside tests/ imports from tests/", () => {
  const offenders = sourceFiles()
    .filter((f) => !f.startsWith("tests/"))
    .flatMap((f) =>
      relativeImports(f).filter((i) => i.startsWith("tests/")).map((i) => `${f} → ${i}`)
    );
  assert.deepEqual(offenders, []);
});

Deno.test("layout: bench/ holds only modules `chat bench` reaches from cli/bench.ts", () => {
  const shipped = reachable(modules, ["cli/bench.ts"]);
  const extra = sourceFiles("bench").filter((f) => !shipped.has(f));
  assert.deepEqual(extra, []);
});

Deno.test("layout: the binary (main.ts) reaches no dev script and no test", () => {
  const dev = [...reachable(modules, ["main.ts"])].filter((f) =>
    f.startsWith("scripts/") || f.startsWith("tests/")
  );
  assert.deepEqual(dev, []);
});
