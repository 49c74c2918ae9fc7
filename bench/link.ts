/**
 * How the coordinator talks to its shards: the same three commands and two kinds of answers
 * whether a shard runs in this process, in a Web Worker thread, or in a subprocess
 * (`chat bench --shard`, JSON lines over stdin/stdout).
 *
 * @module
 */

import { Shard, type ShardProgress, type ShardSpec } from "./shard.ts";
import type { ShardCounts } from "./recorder.ts";

/** Coordinator → shard. */
export type ToShard =
  | { t: "start"; spec: ShardSpec }
  | { t: "go" }
  /** `allSent`: every sender of the run finished (so any missing message is lost). */
  | { t: "stop"; allSent: boolean };

/** Shard → coordinator. */
export type FromShard =
  | { t: "progress"; p: ShardProgress }
  | { t: "report"; counts: ShardCounts }
  | { t: "fatal"; message: string };

/** How often a shard reports progress unasked. */
export const PROGRESS_MS = 250;

/** The coordinator's side of one shard. */
export interface ShardHandle {
  /** Process whose threads' CPU is this shard's ("self": it shares the coordinator's). */
  readonly pid: number | "self";
  /** Set by the coordinator before the first `send`. */
  onMessage: (m: FromShard) => void;
  send(m: ToShard): void;
  /** Ends the shard (kills a subprocess that does not exit in time). */
  close(): Promise<void>;
}

/** The shard side: turns commands into calls on a `Shard` and reports back through `send`. */
export function shardEndpoint(send: (m: FromShard) => void): (m: ToShard) => void {
  let shard: Shard | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  let stopped = false;
  const progress = () => shard && send({ t: "progress", p: shard.progress() });
  return (m) => {
    try {
      if (m.t === "start") {
        shard = new Shard(m.spec);
        shard.onMilestone = progress;
        timer = setInterval(progress, PROGRESS_MS);
        shard.join().catch((err) => send({ t: "fatal", message: String(err?.stack ?? err) }));
      } else if (m.t === "go") {
        shard?.go();
      } else if (m.t === "stop" && !stopped) {
        stopped = true;
        clearInterval(timer);
        if (shard) send({ t: "report", counts: shard.stop(m.allSent) });
      }
    } catch (err) {
      send({ t: "fatal", message: String((err as Error)?.stack ?? err) });
    }
  };
}

/** A shard running in the coordinator's own event loop. */
export function inProcessShard(): ShardHandle {
  const handle: ShardHandle = {
    pid: "self",
    onMessage: () => {},
    send: (m) => queueMicrotask(() => endpoint(m)),
    close: () => Promise.resolve(),
  };
  const endpoint = shardEndpoint((m) => queueMicrotask(() => handle.onMessage(m)));
  return handle;
}

/** A shard in a Web Worker: its own isolate and thread, sharing this process. */
export function threadShard(): ShardHandle {
  const worker = new Worker(new URL("./shard_worker.ts", import.meta.url).href, {
    type: "module",
  });
  const handle: ShardHandle = {
    pid: "self",
    onMessage: () => {},
    send: (m) => worker.postMessage(m),
    close: () => {
      worker.terminate();
      return Promise.resolve();
    },
  };
  worker.onmessage = (e: MessageEvent<FromShard>) => handle.onMessage(e.data);
  worker.onerror = (e) => {
    e.preventDefault();
    handle.onMessage({ t: "fatal", message: `shard thread failed: ${e.message}` });
  };
  return handle;
}

/** The command that runs `chat bench --shard`: via `deno run` from source, or the binary. */
export function shardCommand(): { cmd: string; args: string[] } {
  const exe = Deno.execPath();
  const base = exe.slice(exe.lastIndexOf("/") + 1);
  if (!/^deno(\.exe)?$/.test(base)) return { cmd: exe, args: ["bench", "--shard"] };
  const main = new URL("../main.ts", import.meta.url).pathname;
  return {
    cmd: exe,
    args: ["run", "--allow-net", "--allow-read", "--allow-env", main, "bench", "--shard"],
  };
}

/** A shard in a subprocess; JSON lines both ways, its stderr passed through. */
export function processShard(): ShardHandle {
  const { cmd, args } = shardCommand();
  const child = new Deno.Command(cmd, {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
    env: { NO_COLOR: "1" },
  }).spawn();
  const writer = child.stdin.getWriter();
  const encoder = new TextEncoder();
  let writes = Promise.resolve();
  let exited = false;
  const handle: ShardHandle = {
    pid: child.pid,
    onMessage: () => {},
    send: (m) => {
      const bytes = encoder.encode(JSON.stringify(m) + "\n");
      writes = writes.then(() => writer.write(bytes)).catch(() => {});
    },
    close: async () => {
      await writes;
      await writer.close().catch(() => {});
      const timer = setTimeout(() => {
        if (!exited) child.kill("SIGKILL");
      }, 5000);
      await child.status;
      clearTimeout(timer);
    },
  };
  (async () => {
    for await (const line of jsonLines(child.stdout)) handle.onMessage(line as FromShard);
  })().catch(() => {});
  child.status.then((s) => {
    exited = true;
    if (!s.success) handle.onMessage({ t: "fatal", message: `shard process exited ${s.code}` });
  });
  return handle;
}

/** The subprocess side: commands from stdin, answers to stdout, exit at stdin's end. */
export async function runShardProcess(): Promise<void> {
  // Ctrl-C reaches the whole process group: the coordinator decides when shards stop.
  const ignore = () => {};
  Deno.addSignalListener("SIGINT", ignore);
  const encoder = new TextEncoder();
  let writes = Promise.resolve();
  const endpoint = shardEndpoint((m) => {
    const bytes = encoder.encode(JSON.stringify(m) + "\n");
    writes = writes.then(async () => {
      for (let off = 0; off < bytes.length;) off += await Deno.stdout.write(bytes.subarray(off));
    });
  });
  for await (const m of jsonLines(Deno.stdin.readable)) endpoint(m as ToShard);
  endpoint({ t: "stop", allSent: false });
  await writes.catch(() => {});
  Deno.removeSignalListener("SIGINT", ignore);
}

/** Parses a byte stream of JSON lines. */
export async function* jsonLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    rest += chunk;
    let nl;
    while ((nl = rest.indexOf("\n")) !== -1) {
      const line = rest.slice(0, nl);
      rest = rest.slice(nl + 1);
      if (line.trim() !== "") yield JSON.parse(line);
    }
  }
}
