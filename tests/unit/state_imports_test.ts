/**
 * Layout rules on the project's module graph (tests/helpers/module_graph.ts): pure state does not
 * reach delivery code, even by a type-only import other than the one named below.
 *
 * The rule for `server/state/` (users, sessions, channels: what the network knows, as plain data
 * and its invariants): its modules import only each other and `protocol/` (wire vocabulary:
 * case mapping, masks), plus `import type` of `server/outgoing.ts` (a session's sink is typed by
 * what is delivered to it, but state never builds or sends a line). Anything else under
 * `server/` (hubs, join batches, connections, commands, stores) is delivery or I/O, which
 * depends on state and never the other way round; `util/` is not needed there either.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  cycles,
  importsOf,
  launchesOf,
  moduleGraph,
  pathAround,
  ROOT,
} from "../helpers/module_graph.ts";

const graph = moduleGraph();

Deno.test("imports: the parser sees the statements deno fmt writes", () => {
  const edges = importsOf(
    "server/x.ts",
    [
      'import { a } from "./a.ts";',
      'import type { B } from "../protocol/b.ts";',
      "import {",
      "  type C,",
      "  type D,",
      '} from "./state/c.ts";',
      'import { type E, f } from "./e.ts";',
      'export { g } from "./g.ts";',
      'export type { H } from "./h.ts";',
      'import "./side_effect.ts";',
      'import assert from "node:assert/strict";',
      'export const text = "see ./nothing.ts";',
    ].join("\n"),
  );
  assert.deepEqual(edges, [
    { to: "server/a.ts", typeOnly: false },
    { to: "protocol/b.ts", typeOnly: true },
    { to: "server/state/c.ts", typeOnly: true },
    { to: "server/e.ts", typeOnly: false },
    { to: "server/g.ts", typeOnly: false },
    { to: "server/h.ts", typeOnly: true },
    { to: "server/side_effect.ts", typeOnly: false },
  ]);
});

Deno.test("imports: dynamic imports and launched entries count only in code", () => {
  const source = [
    'const lazy = await import("./lazy.ts");',
    'const worker = new Worker(new URL("../bench/shard_worker.ts", import.meta.url).href);',
    'const web = new URL("../web/", import.meta.url);',
    '// await import("./commented.ts");',
    ' * `new URL("./doc.ts", import.meta.url)` in a doc comment',
    `const text = "see import('./quoted.ts')";`,
    'run(import.meta.url); // then import("./trailing.ts")',
  ].join("\n");
  assert.deepEqual(importsOf("server/x.ts", source), [{ to: "server/lazy.ts", typeOnly: false }]);
  assert.deepEqual(launchesOf("server/x.ts", source), ["bench/shard_worker.ts"]);
});

Deno.test("imports: every relative import names a file that exists", () => {
  const missing: string[] = [];
  for (const [file, edges] of graph) {
    for (const { to } of edges) {
      if (to.endsWith(".ts") ? !graph.has(to) : !existsFile(to)) missing.push(`${file} → ${to}`);
    }
  }
  assert.ok(graph.size > 100, `only ${graph.size} modules found`);
  assert.deepEqual(missing, []);
});

function existsFile(path: string): boolean {
  try {
    return Deno.statSync(join(ROOT, path)).isFile;
  } catch {
    return false;
  }
}

Deno.test("imports: pure state (server/state/) imports no delivery code", () => {
  const offending: string[] = [];
  for (const [file, edges] of graph) {
    if (!file.startsWith("server/state/")) continue;
    for (const { to, typeOnly } of edges) {
      const allowed = to.startsWith("server/state/") || to.startsWith("protocol/") ||
        (typeOnly && to === "server/outgoing.ts");
      if (!allowed) offending.push(`${file} → ${to}${typeOnly ? " (type)" : ""}`);
    }
  }
  assert.deepEqual(offending, []);
});

Deno.test("imports: no cycles among the project's modules (type-only imports included)", () => {
  const graph = moduleGraph();
  const found = cycles(graph).map((c) => pathAround(graph, c));
  assert.deepEqual(found, [], `import cycles:\n${found.join("\n")}`);
});
