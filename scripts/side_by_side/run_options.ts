/**
 * The command line of `deno task bench` (run_all.ts): its usage text and options.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { V8_FLAGS } from "../compile.ts";
import {
  quick,
  type Scenario,
  selectScenarios,
  selectServers,
  type ServerName,
} from "./scenarios.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

/** `deno task bench --help`. */
export const USAGE = `usage: deno task bench [options]
  --quick               scenarios at a tenth of their size; writes nothing unless --out
  --scenarios A,B,...   scenarios to run (default: A,B,C,D,E)
  --servers a,b         servers: chat, ngircd, inspircd, relay (default: all installed);
                        relay is scripts/side_by_side/reference_relay.ts, the ceiling of a
                        Deno server
  --repeat N            runs per scenario and server; the table shows medians (default 1)
  --procs N             generator shards per bench run (default: 1 in E, 2 elsewhere)
  --shard-kind K        process or thread (default process)
  --window N            messages in flight per sender (default 32)
  --no-warmup           no warm-up run before B, C and D
  --chat-v8-flags F     V8 flags for chat serve ("" for none; default: the ones it ships with,
                        ${V8_FLAGS.join(",")})
  --note TEXT           a line for BENCHMARKS.md's observations (repeatable)
  --out FILE            where to write the Markdown (default BENCHMARKS.md; "-": nowhere)
  --no-cluster          skip the cluster comparison (one chat node vs two, through Redis), which
                        otherwise runs after the scenarios when redis-server is installed`;

/** What one `deno task bench` run is asked to do. */
export interface RunAllOptions {
  quick: boolean;
  scenarios: Scenario[];
  servers: ServerName[];
  repeat: number;
  /** Generator shards for every run; undefined: each scenario's own (`generatorProcs`). */
  procs: number | undefined;
  shardKind: "process" | "thread";
  window: number;
  warmup: boolean;
  chatV8Flags: string | undefined;
  notes: string[];
  /** Run the one-node-vs-two cluster comparison after the scenarios (needs redis-server). */
  cluster: boolean;
  out: string | undefined;
}

/** Reads the command line; throws with a one-line reason on a bad option. */
export function parseOptions(args: string[]): RunAllOptions {
  const { values } = parseArgs({
    args,
    options: {
      quick: { type: "boolean", default: false },
      scenarios: { type: "string" },
      servers: { type: "string" },
      repeat: { type: "string", default: "1" },
      procs: { type: "string" },
      "shard-kind": { type: "string", default: "process" },
      window: { type: "string", default: "32" },
      "no-warmup": { type: "boolean", default: false },
      "chat-v8-flags": { type: "string" },
      note: { type: "string", multiple: true, default: [] },
      out: { type: "string" },
      "no-cluster": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const count = (name: string, v: string, max: number) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < 1 || n > max) throw new Error(`--${name}: expected 1 to ${max}`);
    return n;
  };
  const kind = values["shard-kind"];
  if (kind !== "process" && kind !== "thread") throw new Error("--shard-kind: process or thread");
  const scenarios = selectScenarios(values.scenarios);
  return {
    quick: values.quick,
    scenarios: values.quick ? scenarios.map(quick) : scenarios,
    servers: selectServers(values.servers),
    repeat: count("repeat", values.repeat, 20),
    procs: values.procs === undefined ? undefined : count("procs", values.procs, 16),
    shardKind: kind,
    window: count("window", values.window, 100_000),
    warmup: !values["no-warmup"],
    chatV8Flags: values["chat-v8-flags"] ?? V8_FLAGS.join(","),
    notes: values.note,
    cluster: !values["no-cluster"] && !values.quick,
    out: values.out === "-"
      ? undefined
      : values.out ?? (values.quick ? undefined : `${ROOT}/BENCHMARKS.md`),
  };
}
