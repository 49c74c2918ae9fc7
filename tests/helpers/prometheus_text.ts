/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), for tests: every line
 * must be a valid HELP, TYPE or sample line; HELP and TYPE come at most once per family, before
 * its samples; a family's samples are contiguous; names are valid; no series appears twice; and
 * counters are named `…_total`. Throws on the first violation, naming the line.
 *
 * @module
 */

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const VALUE = /^(NaN|[+-]Inf|[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

/** One parsed family. */
export interface ParsedFamily {
  help: string;
  type: string;
  /** Series key (`name{a="b"}` as written) to value. */
  samples: Map<string, number>;
}

/** Parses the labels block `{…}` at `text[start]`; returns the canonical key and its end. */
function parseLabels(text: string, start: number, where: string): [string, number] {
  let i = start + 1;
  const seen = new Set<string>();
  const pairs: string[] = [];
  while (text[i] !== "}") {
    const eq = text.indexOf("=", i);
    if (eq < 0) throw new Error(`${where}: label without '='`);
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name) || name.startsWith("__")) {
      throw new Error(`${where}: bad label name ${name}`);
    }
    if (seen.has(name)) throw new Error(`${where}: label ${name} twice`);
    seen.add(name);
    if (text[eq + 1] !== '"') throw new Error(`${where}: label value not quoted`);
    let j = eq + 2;
    let value = "";
    for (;; j++) {
      if (j >= text.length) throw new Error(`${where}: unterminated label value`);
      const c = text[j];
      if (c === '"') break;
      if (c === "\\") {
        const next = text[++j];
        if (next === "n") value += "\n";
        else if (next === "\\" || next === '"') value += next;
        else throw new Error(`${where}: bad escape \\${next}`);
      } else value += c;
    }
    pairs.push(`${name}=${JSON.stringify(value)}`);
    i = j + 1;
    if (text[i] === ",") i++;
    else if (text[i] !== "}") throw new Error(`${where}: expected ',' or '}' after a label`);
  }
  return [`{${pairs.sort().join(",")}}`, i + 1];
}

/** The family a sample name belongs to, given the families declared so far. */
function familyOf(name: string, families: Map<string, ParsedFamily>): string | undefined {
  if (families.has(name)) return name;
  for (const suffix of ["_sum", "_count", "_bucket"]) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const type = families.get(base)?.type;
    if (type === "summary" || type === "histogram") return base;
  }
  return undefined;
}

/** Parses a whole scrape strictly; the families by name. */
export function parsePrometheusText(text: string): Map<string, ParsedFamily> {
  if (!text.endsWith("\n")) throw new Error("the exposition does not end with a newline");
  const families = new Map<string, ParsedFamily>();
  const helps = new Set<string>();
  const types = new Set<string>();
  const series = new Set<string>();
  const closed = new Set<string>();
  let current: string | undefined;
  const lines = text.slice(0, -1).split("\n");
  lines.forEach((line, n) => {
    const where = `line ${n + 1} (${JSON.stringify(line)})`;
    const open = (name: string) => {
      if (current !== name) {
        if (closed.has(name)) throw new Error(`${where}: family ${name} appears twice`);
        if (current !== undefined) closed.add(current);
        current = name;
      }
    };
    const comment = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (comment) {
      const [, kind, name, rest] = comment as unknown as [string, string, string, string];
      if (!METRIC_NAME.test(name)) throw new Error(`${where}: bad metric name`);
      open(name);
      const family = families.get(name) ??
        { help: "", type: "untyped", samples: new Map<string, number>() };
      if (family.samples.size > 0) throw new Error(`${where}: ${kind} after samples`);
      if (kind === "HELP") {
        if (helps.has(name)) throw new Error(`${where}: HELP twice`);
        helps.add(name);
        family.help = rest;
      } else {
        if (types.has(name)) throw new Error(`${where}: TYPE twice`);
        types.add(name);
        if (!TYPES.has(rest)) throw new Error(`${where}: bad type`);
        family.type = rest;
      }
      families.set(name, family);
      return;
    }
    if (line.startsWith("#")) return; // another comment
    const nameEnd = line.search(/[{ ]/);
    if (nameEnd <= 0) throw new Error(`${where}: not a sample line`);
    const name = line.slice(0, nameEnd);
    if (!METRIC_NAME.test(name)) throw new Error(`${where}: bad metric name`);
    let labels = "";
    let i = nameEnd;
    if (line[i] === "{") [labels, i] = parseLabels(line, i, where);
    if (line[i] !== " ") throw new Error(`${where}: expected a space before the value`);
    const [value = "", timestamp, ...extra] = line.slice(i + 1).split(" ");
    if (!VALUE.test(value)) throw new Error(`${where}: bad value`);
    if (timestamp !== undefined && !/^-?\d+$/.test(timestamp)) {
      throw new Error(`${where}: bad time`);
    }
    if (extra.length > 0) throw new Error(`${where}: trailing text`);
    const familyName = familyOf(name, families);
    if (familyName === undefined) throw new Error(`${where}: sample before its TYPE`);
    const family = families.get(familyName)!;
    if (!helps.has(familyName)) throw new Error(`${where}: sample before its HELP`);
    if (!types.has(familyName)) throw new Error(`${where}: sample before its TYPE`);
    open(familyName);
    const key = name + labels;
    if (series.has(key)) throw new Error(`${where}: series ${key} twice`);
    series.add(key);
    if (family.type === "counter" && !name.endsWith("_total")) {
      throw new Error(`${where}: a counter not named _total`);
    }
    family.samples.set(key, Number(value.replace("Inf", "Infinity")));
  });
  return families;
}

/** The value of one series (`name` or `name{a="b"}` with labels sorted), which must exist. */
export function sampleValue(families: Map<string, ParsedFamily>, key: string): number {
  for (const family of families.values()) {
    const value = family.samples.get(key);
    if (value !== undefined) return value;
  }
  throw new Error(`no series ${key}`);
}
