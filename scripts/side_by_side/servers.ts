/**
 * Starts the servers `deno task bench` compares, each fresh on a free loopback port, with its
 * anti-flood limits off: `chat serve` (a subprocess of this checkout), the Debian peers (through
 * the interop tests' helpers, which write their configs), and the reference relay.
 *
 * @module
 */

import {
  freePort,
  hasProgram,
  type PeerServer,
  startInspircd,
  startNgircd,
  stopProcess,
  waitForPort,
} from "../support/peers.ts";
import type { ServerName } from "./scenarios.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const RELAY = new URL("./reference_relay.ts", import.meta.url).pathname;

/** How chat is started. */
export interface ChatStartOptions {
  /** Passed as `--v8-flags=…` (e.g. `--max-semi-space-size=1`). */
  v8Flags?: string;
  /** Extra `chat serve` arguments. */
  args?: string[];
  /** Give chat a fresh SQLite file in a temporary directory (`--db`), removed at stop. */
  freshDb?: boolean;
}

/** What `chatBenchFlags` found. */
export interface ChatBenchSetup {
  args: string[];
  /** This checkout's `chat serve` keeps history in SQLite (`--db`). */
  freshDb: boolean;
}

/** The `chat serve` flags a benchmark needs, given what this checkout's `--help` offers. */
export async function chatBenchFlags(): Promise<ChatBenchSetup> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-read", "--allow-env", MAIN, "serve", "--help"],
    stdout: "piped",
    stderr: "null",
  }).output();
  const help = new TextDecoder().decode(out.stdout);
  // Output queues as large as InspIRCd's configured hardsendq, so no server cuts clients first.
  const flags = ["--log-level", "warn", "--sendq", "64m"];
  if (help.includes("--no-flood-control")) flags.push("--no-flood-control");
  return { args: flags, freshDb: help.includes("--db <") };
}

/** Starts `chat serve` from this checkout and waits until it accepts connections. */
export async function startChat(o: ChatStartOptions = {}): Promise<PeerServer> {
  const port = freePort();
  const dir = o.freshDb ? await Deno.makeTempDir({ prefix: "chat-bench-" }) : undefined;
  const args = [MAIN, "serve", "--host", "127.0.0.1", "--port", String(port), ...(o.args ?? [])];
  if (dir) args.push("--db", `${dir}/chat.db`);
  return await startDeno(port, args, o.v8Flags, async () => {
    if (dir) await Deno.remove(dir, { recursive: true }).catch(() => {});
  });
}

/** Starts the reference relay with chat's V8 flags (the same runtime settings, no chat). */
export function startRelay(o: ChatStartOptions = {}): Promise<PeerServer> {
  const port = freePort();
  return startDeno(port, [RELAY, String(port)], o.v8Flags);
}

/** Runs a Deno program listening on `port`; resolves once it accepts connections. */
async function startDeno(
  port: number,
  programArgs: string[],
  v8Flags: string | undefined,
  cleanUp = async () => {},
): Promise<PeerServer> {
  const args = ["run", "--allow-all"]; // permissions do not change the speed
  if (v8Flags) args.push(`--v8-flags=${v8Flags}`);
  const child = new Deno.Command(Deno.execPath(), {
    args: [...args, ...programArgs],
    stdin: "null",
    stdout: "null",
    stderr: "inherit",
    env: { NO_COLOR: "1" },
  }).spawn();
  const stop = async () => {
    await stopProcess(child);
    await cleanUp();
  };
  try {
    await waitForPort(port, 20_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, pid: child.pid, stop };
}

/** Whether a server can be started here (the peers are Debian packages). */
export function available(name: ServerName): boolean {
  return name === "chat" || name === "relay" || hasProgram(name);
}

/** Starts one of the compared servers. */
export function startServer(name: ServerName, chat: ChatStartOptions): Promise<PeerServer> {
  if (name === "ngircd") return startNgircd();
  if (name === "inspircd") return startInspircd();
  if (name === "relay") return startRelay(chat);
  return startChat(chat);
}

/** The first line of a program's version output (`ngircd --version`), or undefined. */
export async function programVersion(program: string): Promise<string | undefined> {
  if (!hasProgram(program)) return undefined;
  try {
    const out = await new Deno.Command(program, {
      args: ["--version"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    const first = text.split("\n").find((l) => l.trim() !== "")?.trim();
    // "ngIRCd 26.1-IDENT+IPv6+…-x86_64/pc/linux-gnu" → "ngIRCd 26.1"
    return first?.replace(/^(ngIRCd [\d.]+)-.*$/, "$1");
  } catch {
    return undefined;
  }
}
