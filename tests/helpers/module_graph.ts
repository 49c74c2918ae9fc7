/**
 * The project's module graph, read from the source: every `.ts` file (not `node_modules/`,
 * `dist/`, `tests/output/`) is a node; every static `import … from "./x.ts"`,
 * `export … from "./x.ts"` and `import "./x.ts"` with a relative specifier is an edge, marked
 * type-only for `import type`, `export type … from` and `import { type A, type B }`. Package
 * specifiers (`npm:`, `node:`, bare names) are outside the graph; relative dynamic `import()`
 * is not read (the project has none). Layout rules are checked against it.
 *
 * @module
 */

import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SKIPPED_DIRS = new Set(["node_modules", "dist", ".git"]);
const SKIPPED_PATHS = new Set(["tests/output"]);

/** One relative import: the module it names (repo-relative) and whether it is type-only. */
export interface Edge {
  to: string;
  typeOnly: boolean;
}

function sourceFiles(dir = ROOT): string[] {
  const files: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = join(dir, entry.name);
    const rel = relative(ROOT, path);
    if (entry.isDirectory) {
      if (!SKIPPED_DIRS.has(entry.name) && !SKIPPED_PATHS.has(rel)) {
        files.push(...sourceFiles(path));
      }
    } else if (entry.isFile && entry.name.endsWith(".ts")) {
      files.push(rel);
    }
  }
  return files.sort();
}

/**
 * `import`/`export` statements with a module specifier. deno fmt puts each at the start of a
 * line and ends it with `;`, so a statement's clause is the text up to `from` with no `;` in it.
 */
const STATEMENT =
  /^(import|export)(\s+type\b)?([^;]*?)\bfrom\s*["']([^"']+)["']|^import\s*["']([^"']+)["']/gm;

/** The relative imports of one file, resolved to repo-relative paths. */
export function importsOf(file: string, source: string): Edge[] {
  const edges: Edge[] = [];
  for (const m of source.matchAll(STATEMENT)) {
    const specifier = m[4] ?? m[5] ?? "";
    if (!specifier.startsWith("./") && !specifier.startsWith("../")) continue;
    // `import { type A, type B } from` is type-only too, like `import type` and `export type`.
    const names = (m[3] ?? "").trim().match(/^\{([^}]*)\}$/)?.[1]?.split(",").map((n) => n.trim());
    const allTyped = names !== undefined &&
      names.every((n) => n === "" || n.startsWith("type ")) && names.some((n) => n !== "");
    edges.push({
      to: relative(ROOT, resolve(ROOT, dirname(file), specifier)),
      typeOnly: m[2] !== undefined || allTyped,
    });
  }
  return edges;
}

/** Each module (repo-relative path) with its relative imports. */
export function moduleGraph(): Map<string, Edge[]> {
  const graph = new Map<string, Edge[]>();
  for (const file of sourceFiles()) {
    graph.set(file, importsOf(file, Deno.readTextFileSync(join(ROOT, file))));
  }
  return graph;
}

/** The modules caught in cycles: each strongly connected component (Tarjan), its members sorted. */
export function cycles(graph: Map<string, Edge[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const { to: w } of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      const selfLoop = (graph.get(v) ?? []).some((e) => e.to === v);
      if (component.length > 1 || selfLoop) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** One path around a component, for the failure message: a → b → … → a. */
export function pathAround(graph: Map<string, Edge[]>, component: string[]): string {
  const members = new Set(component);
  const start = component[0];
  const seen = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const { to } of graph.get(v) ?? []) {
      if (to === start) {
        const path = [start];
        for (let at = v; at !== start; at = seen.get(at)!) path.splice(1, 0, at);
        return [...path, start].join(" → ");
      }
      if (members.has(to) && !seen.has(to)) {
        seen.set(to, v);
        queue.push(to);
      }
    }
  }
  return component.join(", ");
}
