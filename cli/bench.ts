/**
 * `chat bench`: the load generator of issue 6. Options (each also from a `CHAT_BENCH_*`
 * variable), validation, progress on stderr, the report on stdout (a table, or `--json`).
 * `--shard` (hidden) is how `--procs N` runs its subprocesses.
 *
 * @module
 */

import { Command, InvalidArgumentError, Option } from "@commander-js/extra-typings";
import { runBench } from "../bench/coordinator.ts";
import { runShardProcess } from "../bench/link.ts";
import { type BenchOptions, DEFAULT_OPTIONS, validateOptions } from "../bench/options.ts";
import { formatReport } from "../bench/report.ts";
import { errorMessage } from "../util/error_message.ts";

/** A whole number ≥ 0. */
function parseCount(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("Expected a whole number.");
  return Number(value);
}

/** A number ≥ 0 (decimals allowed). */
function parseAmount(value: string): number {
  if (!/^\d+(\.\d+)?$/.test(value)) throw new InvalidArgumentError("Expected a number ≥ 0.");
  return Number(value);
}

const d = DEFAULT_OPTIONS;
const opt = <Flags extends string>(flags: Flags, help: string, env: string) =>
  new Option(flags, help).env(`CHAT_BENCH_${env}`);

/** The `bench` subcommand. */
export function benchCommand() {
  return new Command("bench")
    .description(
      "load an IRC server (chat, ngIRCd, InspIRCd…) with many clients and measure deliveries/s, " +
        "latency, loss, join time and (with --server-pid) its memory and CPU",
    )
    .addOption(
      opt("--host <address>", "server address (loopback only, see --allow-remote)", "HOST")
        .default(d.host),
    )
    .addOption(
      opt("-p, --port <number>", "server port", "PORT").default(d.port)
        .argParser(parseCount),
    )
    .addOption(
      opt("--clients <n>", "connections to open and join", "CLIENTS")
        .default(d.clients).argParser(parseCount),
    )
    .addOption(
      opt("--senders <n>", "clients that also send (spread over the channels)", "SENDERS")
        .default(d.senders).argParser(parseCount),
    )
    .addOption(
      opt("--messages <n>", "messages per sender (0: idle clients only)", "MESSAGES")
        .default(d.messages).argParser(parseCount),
    )
    .addOption(
      opt("--rate <msgs/s>", "per sender; 0: as fast as the window allows", "RATE")
        .default(d.rate).argParser(parseAmount),
    )
    .addOption(
      opt("--payload <bytes>", "message text size", "PAYLOAD").default(d.payload)
        .argParser(parseCount),
    )
    .addOption(
      opt("--channels <n>", "channels (client i joins channel i mod n)", "CHANNELS")
        .default(d.channels).argParser(parseCount),
    )
    .addOption(
      opt("--duration-limit <sec>", "bound on the whole run", "DURATION_LIMIT")
        .default(d.durationLimitSec).argParser(parseAmount),
    )
    .addOption(
      opt("--server-pid <pid>", "server process to sample RSS and CPU of", "SERVER_PID")
        .argParser(parseCount),
    )
    .addOption(
      opt("--procs <n>", "generator shards (1: all in this process)", "PROCS")
        .default(d.procs).argParser(parseCount),
    )
    .addOption(
      opt("--shard-kind <kind>", "what a shard is when --procs > 1", "SHARD_KIND")
        .choices(["process", "thread"] as const).default(d.shardKind),
    )
    .addOption(
      opt("--window <n>", "messages a sender may have unacknowledged", "WINDOW")
        .default(d.window).argParser(parseCount),
    )
    .addOption(
      opt(
        "--connect-concurrency <n>",
        "clients connecting and registering at once",
        "CONNECT_CONCURRENCY",
      )
        .default(d.connectConcurrency).argParser(parseCount),
    )
    .addOption(
      opt("--join-concurrency <n>", "registered clients joining at once", "JOIN_CONCURRENCY")
        .default(d.joinConcurrency).argParser(parseCount),
    )
    .addOption(
      opt("--settle <sec>", "wait after joining before sampling RSS", "SETTLE")
        .default(d.settleSec).argParser(parseAmount),
    )
    .addOption(
      opt("--drain-timeout <sec>", "end sending after this long without progress", "DRAIN_TIMEOUT")
        .default(d.drainTimeoutSec).argParser(parseAmount),
    )
    .addOption(opt("--allow-remote", "allow a target that is not on loopback", "ALLOW_REMOTE"))
    .addOption(opt("--json", "print the result as JSON", "JSON"))
    .addOption(new Option("--no-progress", "no progress line on stderr"))
    .addOption(new Option("--shard", "internal: run as a shard of --procs").hideHelp())
    .action(async (opts, command) => {
      if (opts.shard) {
        await runShardProcess();
        Deno.exit(0);
      }
      const options: BenchOptions = {
        host: opts.host,
        port: opts.port,
        clients: opts.clients,
        senders: opts.senders,
        messages: opts.messages,
        rate: opts.rate,
        payload: opts.payload,
        channels: opts.channels,
        durationLimitSec: opts.durationLimit,
        serverPid: opts.serverPid,
        procs: opts.procs,
        shardKind: opts.shardKind,
        window: opts.window,
        connectConcurrency: opts.connectConcurrency,
        joinConcurrency: opts.joinConcurrency,
        settleSec: opts.settle,
        drainTimeoutSec: opts.drainTimeout,
        allowRemote: opts.allowRemote === true,
      };
      const errors = validateOptions(options);
      if (errors.length > 0) command.error(`error: ${errors.join("; ")}`);
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      Deno.addSignalListener("SIGINT", onSignal);
      try {
        const result = await runBench(options, {
          progress: opts.progress ? progressWriter() : undefined,
          signal: abort.signal,
        });
        console.log(opts.json ? JSON.stringify(result, null, 2) : formatReport(result));
        if (result.outcome !== "ok") Deno.exitCode = 1;
      } catch (err) {
        command.error(`error: ${errorMessage(err)}`);
      } finally {
        Deno.removeSignalListener("SIGINT", onSignal);
      }
    });
}

/** Progress on stderr: rewritten in place on a terminal, a line every 5 s otherwise. */
function progressWriter(): (line: string) => void {
  const encoder = new TextEncoder();
  const tty = Deno.stderr.isTerminal();
  let last = 0;
  return (line) => {
    if (tty) {
      Deno.stderr.writeSync(encoder.encode(line === "" ? "\r\x1b[K" : `\r\x1b[K${line}`));
    } else if (line !== "" && Date.now() - last >= 5000) {
      last = Date.now();
      Deno.stderr.writeSync(encoder.encode(`${line}\n`));
    }
  };
}
