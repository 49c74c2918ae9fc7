/**
 * The layout rules the README states, checked on the source tree: nothing outside `tests/`
 * imports from it, `bench/` holds only what `chat bench` ships, and the binary (`main.ts`) pulls
 * in no dev script.
 */
import assert from "node:assert/strict";
import { dirname, join, relative } from "node:path";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
/** Folders that hold no project source. */
const SKIP = new Set([".git", "dist", "node_modules", "tests/output"]);

/** Every .ts file under `dir`, relative to the root. */
function sourceFiles(dir = ""): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(join(ROOT, dir))) {
    const path = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory && !SKIP.has(path)) out.push(...sourceFiles(path));
    else if (e.isFile && path.endsWith(".ts")) out.push(path);
  }
  return out;
}

/**
 * The files `path` loads by a relative specifier: static and dynamic imports, re-exports, and
 * `new URL("./x.ts", import.meta.url)` (worker entries and spawned scripts).
 */
function relativeImports(path: string): string[] {
  const text = Deno.readTextFileSync(join(ROOT, path));
  const specifier =
    /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|new URL\(\s*)["'](\.{1,2}\/[^"']+)["']/g;
  return [...text.matchAll(specifier)]
    .map((m) => relative(ROOT, join(ROOT, dirname(path), m[1]!)))
    .filter((p) => p.endsWith(".ts"));
}

/** Every file reachable from `roots` through relative imports. */
function reachable(roots: string[]): Set<string> {
  const seen = new Set<string>();
  const todo = [...roots];
  for (let path = todo.pop(); path !== undefined; path = todo.pop()) {
    if (seen.has(path)) continue;
    seen.add(path);
    todo.push(...relativeImports(path));
  }
  return seen;
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
  const shipped = reachable(["cli/bench.ts"]);
  const extra = sourceFiles("bench").filter((f) => !shipped.has(f));
  assert.deepEqual(extra, []);
});

Deno.test("layout: the binary (main.ts) reaches no dev script and no test", () => {
  const dev = [...reachable(["main.ts"])].filter((f) =>
    f.startsWith("scripts/") || f.startsWith("tests/")
  );
  assert.deepEqual(dev, []);
});
