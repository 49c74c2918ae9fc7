/**
 * The project's module graph, read from the source: every `.ts` file (not `node_modules/`,
 * `dist/`, `tests/output/`) is a node. Its imports are every static `import … from "./x.ts"`,
 * `export … from "./x.ts"` and `import "./x.ts"`, and every dynamic `import()` of a quoted
 * relative specifier; the static ones are marked type-only for `import type`, `export type … from`
 * and `import { type A, type B }`. Apart from imports, a module may launch another as a worker or
 * a subprocess by naming it as `new URL` of a `.ts` path relative to `import.meta.url`: those are
 * its launches, kept apart because they are no module dependency (no cycle runs through them) but
 * do decide what a program ships. Package specifiers (`npm:`, `node:`, bare names) are outside
 * the graph. Layout rules are checked against it.
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

/**
 * Every project file under `under` (the whole tree by default) whose name ends in one of
 * `extensions` (`.ts`, the module graph's nodes, by default), repo-relative and sorted.
 */
export function sourceFiles(under = "", extensions: readonly string[] = [".ts"]): string[] {
  const files: string[] = [];
  for (const entry of Deno.readDirSync(join(ROOT, under))) {
    const rel = under === "" ? entry.name : `${under}/${entry.name}`;
    if (entry.isDirectory) {
      if (!SKIPPED_DIRS.has(entry.name) && !SKIPPED_PATHS.has(rel)) {
        files.push(...sourceFiles(rel, extensions));
      }
    } else if (entry.isFile && extensions.some((ext) => entry.name.endsWith(ext))) {
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

/** A dynamic `import()` of a quoted relative specifier. */
const DYNAMIC_IMPORT = /\bimport\s*\(\s*["'](\.{1,2}\/[^"']+)["']/g;
/** A `.ts` file named relative to the module, the way a worker entry or spawned script is. */
const LAUNCH = /\bnew URL\(\s*["'](\.{1,2}\/[^"']+\.ts)["']\s*,\s*import\.meta\.url\s*\)/g;

/** The repo-relative path a specifier in `file` names. */
function resolveFrom(file: string, specifier: string): string {
  return relative(ROOT, resolve(ROOT, dirname(file), specifier));
}

/**
 * Whether the text at `index` is code rather than a comment or inside a quoted string on its
 * line: a dynamic import or `new URL` can sit anywhere in a line, so one written in a doc comment
 * or in a test's fixture string must not count. (Line-based: a match inside a multi-line
 * template literal or block comment body without a leading `*` would still count.)
 */
function isCode(source: string, index: number): boolean {
  const before = source.slice(source.lastIndexOf("\n", index - 1) + 1, index);
  if (/^\s*(\/\/|\/\*|\*)/.test(before)) return false;
  let quote = "";
  for (let i = 0; i < before.length; i++) {
    const ch = before[i];
    if (ch === "\\") i++;
    else if (quote !== "") quote = ch === quote ? "" : quote;
    else if (ch === "/" && before[i + 1] === "/") return false;
    else if (ch === '"' || ch === "'" || ch === "`") quote = ch;
  }
  return quote === "";
}

/** The relative imports of one file, static then dynamic, resolved to repo-relative paths. */
export function importsOf(file: string, source: string): Edge[] {
  const edges: Edge[] = [];
  for (const m of source.matchAll(STATEMENT)) {
    const specifier = m[4] ?? m[5] ?? "";
    if (!specifier.startsWith("./") && !specifier.startsWith("../")) continue;
    // `import { type A, type B } from` is type-only too, like `import type` and `export type`.
    const names = (m[3] ?? "").trim().match(/^\{([^}]*)\}$/)?.[1]?.split(",").map((n) => n.trim());
    const allTyped = names !== undefined &&
      names.every((n) => n === "" || n.startsWith("type ")) && names.some((n) => n !== "");
    edges.push({ to: resolveFrom(file, specifier), typeOnly: m[2] !== undefined || allTyped });
  }
  for (const m of source.matchAll(DYNAMIC_IMPORT)) {
    if (isCode(source, m.index)) edges.push({ to: resolveFrom(file, m[1]!), typeOnly: false });
  }
  return edges;
}

/** The `.ts` files one file launches (`new URL("./x.ts", import.meta.url)`), repo-relative. */
export function launchesOf(file: string, source: string): string[] {
  return [...source.matchAll(LAUNCH)]
    .filter((m) => isCode(source, m.index))
    .map((m) => resolveFrom(file, m[1]!));
}

/** What one module loads: the modules it imports and the entries it launches. */
export interface ModuleRefs {
  imports: Edge[];
  launches: string[];
}

/** Everything one module loads, imports and launches alike: what a program ships with it. */
export function loadsOf(refs: ModuleRefs): string[] {
  return [...refs.imports.map((e) => e.to), ...refs.launches];
}

/** Each module (repo-relative path) with what it imports and launches. */
export function readModules(): Map<string, ModuleRefs> {
  const modules = new Map<string, ModuleRefs>();
  for (const file of sourceFiles()) {
    const source = Deno.readTextFileSync(join(ROOT, file));
    modules.set(file, { imports: importsOf(file, source), launches: launchesOf(file, source) });
  }
  return modules;
}

/** Each module (repo-relative path) with its relative imports: the graph cycles are sought in. */
export function moduleGraph(): Map<string, Edge[]> {
  const graph = new Map<string, Edge[]>();
  for (const [file, refs] of readModules()) graph.set(file, refs.imports);
  return graph;
}

/**
 * Every module a program started at `roots` can load, through imports (type-only ones included:
 * they name code the program is checked with) and launches.
 */
export function reachable(modules: Map<string, ModuleRefs>, roots: string[]): Set<string> {
  const seen = new Set<string>();
  const todo = [...roots];
  for (let path = todo.pop(); path !== undefined; path = todo.pop()) {
    if (seen.has(path)) continue;
    seen.add(path);
    const refs = modules.get(path);
    if (refs) todo.push(...loadsOf(refs));
  }
  return seen;
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
