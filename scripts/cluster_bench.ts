/**
 * `deno task bench:cluster`: the same load against one `chat serve`, against one cluster node
 * (Redis in the path), and against two cluster nodes with the clients split between them. Prints
 * deliveries/s, latency, CPU per delivery of the chat processes and of redis-server, and what
 * Redis costs per message. Everything runs on loopback, fresh per configuration, and every wait
 * is bounded.
 *
 *   deno task bench:cluster                         # 200 clients, 10 senders × 1,000 messages
 *   deno task bench:cluster --clients 500 --senders 5 --messages 2000 --repeat 3
 *   deno task bench:cluster --clients 50 --senders 5 --messages 250 --rate 50   # latency
 *
 * Its own small generator (one process): `chat bench` targets one port, and the cluster case
 * needs the clients spread over two.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { LineFramer, SERVER_LINE_LIMITS } from "../protocol/lines.ts";
import { exactPercentile } from "../bench/histogram.ts";
import { readCpuSeconds } from "../bench/procfs.ts";
import { median } from "./support/median.ts";
import { ChatProcess } from "./support/process.ts";
import { TestRedis } from "./support/redis.ts";

const encoder = new TextEncoder();
const nowMs = () => performance.timeOrigin + performance.now();

/** CPU seconds (user + system) of a process; NaN once it is gone, so a figure shows as NaN. */
const cpuSeconds = (pid: number): number => readCpuSeconds(pid) ?? NaN;

/** One connection: lines in, lines out. */
class Client {
  readonly nick: string;
  readonly #conn: Deno.TcpConn;
  #onLine: (line: string) => void = () => {};
  readonly done: Promise<void>;

  private constructor(nick: string, conn: Deno.TcpConn) {
    this.nick = nick;
    this.#conn = conn;
    this.done = this.#read();
  }

  static async open(port: number, nick: string, caps: string[]): Promise<Client> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.setNoDelay(true);
    const c = new Client(nick, conn);
    const welcomed = new Promise<void>((resolve, reject) => {
      c.#onLine = (l) => {
        if (/ 001 /.test(l)) resolve();
        if (/ 433 /.test(l)) reject(new Error(`${nick}: nick in use`));
      };
    });
    const cap = caps.length ? `CAP REQ :${caps.join(" ")}\r\nCAP END\r\n` : "";
    await c.send(`${cap}NICK ${nick}\r\nUSER ${nick} 0 * :bench`);
    await withTimeout(welcomed, 20_000, `${nick} registration`);
    return c;
  }

  listen(onLine: (line: string) => void): void {
    this.#onLine = onLine;
  }

  async send(text: string): Promise<void> {
    const bytes = encoder.encode(text + "\r\n");
    let off = 0;
    while (off < bytes.length) off += await this.#conn.write(bytes.subarray(off));
  }

  async #read(): Promise<void> {
    const framer = new LineFramer(SERVER_LINE_LIMITS);
    const buf = new Uint8Array(65536);
    const handler = { line: (l: string) => this.#onLine(l), tooLong: () => {} };
    try {
      for (;;) {
        const n = await this.#conn.read(buf);
        if (n === null) return;
        framer.push(buf.subarray(0, n), handler);
      }
    } catch { /* closed */ }
  }

  close(): void {
    try {
      this.#conn.close();
    } catch { /* closed */ }
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** A cluster comparison load: one channel, all clients in it. */
export interface Load {
  clients: number;
  senders: number;
  messages: number;
  window: number;
  /** Messages per second per sender (0: as fast as the window allows). */
  rate: number;
}

interface Figures {
  config: string;
  deliveries: number;
  expected: number;
  duplicates: number;
  outOfOrder: number;
  seconds: number;
  p50: number;
  p99: number;
  chatCpu: number;
  redisCpu: number;
}

/** Runs the load against the given ports (clients spread round-robin). */
async function runLoad(
  config: string,
  ports: number[],
  load: Load,
  pids: { chat: number[]; redis?: number },
): Promise<Figures> {
  const clients: Client[] = [];
  try {
    const channel = "#bench";
    for (let i = 0; i < load.clients; i += 50) {
      const batch = [];
      for (let j = i; j < Math.min(load.clients, i + 50); j++) {
        const caps = j < load.senders ? ["echo-message"] : [];
        const port = ports[j % ports.length];
        if (port === undefined) throw new Error("no server port to connect to");
        batch.push(Client.open(port, `b${j}`, caps));
      }
      clients.push(...await Promise.all(batch));
    }
    for (const c of clients) {
      const joined = new Promise<void>((resolve) => c.listen((l) => / 366 /.test(l) && resolve()));
      await c.send(`JOIN ${channel}`);
      await withTimeout(joined, 20_000, `${c.nick} join`);
    }
    // every node has every member: wait until the last JOIN reached the first client's node
    const receivers = clients.slice(load.senders);
    const latencies: number[] = [];
    let deliveries = 0, duplicates = 0, outOfOrder = 0;
    const expected = receivers.length * load.senders * load.messages;
    let resolveAll!: () => void;
    const all = new Promise<void>((r) => resolveAll = r);
    for (const r of receivers) {
      const next = new Map<string, number>();
      r.listen((l) => {
        const at = l.indexOf(" PRIVMSG #bench :m ");
        if (at === -1) return;
        const [sender = "", seqText, sentText] = l.slice(at + 19).split(" ");
        const seq = Number(seqText), want = next.get(sender) ?? 0;
        if (seq < want) duplicates++;
        else {
          if (seq > want) outOfOrder++;
          next.set(sender, seq + 1);
        }
        deliveries++;
        if ((deliveries & 15) === 0) latencies.push(nowMs() - Number(sentText));
        if (deliveries === expected) resolveAll();
      });
    }
    await new Promise((r) => setTimeout(r, 1000)); // let the JOIN storm settle everywhere
    const chat0 = pids.chat.map((pid) => ({ pid, cpu: cpuSeconds(pid) }));
    const redis0 = pids.redis ? cpuSeconds(pids.redis) : 0;
    const start = nowMs();
    await Promise.all(clients.slice(0, load.senders).map((s) => sendAll(s, load)));
    await withTimeout(all, 120_000, "deliveries").catch((e) => console.error(`  ${e.message}`));
    const seconds = (nowMs() - start) / 1000;
    const chatCpu = chat0.reduce((sum, { pid, cpu }) => sum + cpuSeconds(pid) - cpu, 0);
    const redisCpu = pids.redis ? cpuSeconds(pids.redis) - redis0 : 0;
    return {
      config,
      deliveries,
      expected,
      duplicates,
      outOfOrder,
      seconds,
      p50: exactPercentile(latencies, 50),
      p99: exactPercentile(latencies, 99),
      chatCpu,
      redisCpu,
    };
  } finally {
    for (const c of clients) c.close();
    await Promise.all(clients.map((c) => c.done));
  }
}

/** A sender: keeps `window` messages in flight (or sends `rate` a second), counting echoes. */
function sendAll(s: Client, load: Load): Promise<void> {
  return new Promise((resolve, reject) => {
    let sent = 0, echoed = 0;
    if (load.rate > 0) {
      const timer = setInterval(() => {
        if (sent >= load.messages) return clearInterval(timer);
        s.send(`PRIVMSG #bench :m ${s.nick} ${sent++} ${nowMs().toFixed(3)}`).catch(reject);
      }, 1000 / load.rate);
      s.listen((l) => {
        if (l.includes(" PRIVMSG #bench :m ") && ++echoed >= load.messages) resolve();
      });
      return;
    }
    const fill = () => {
      const lines: string[] = [];
      while (sent < load.messages && sent - echoed < load.window) {
        lines.push(`PRIVMSG #bench :m ${s.nick} ${sent++} ${nowMs().toFixed(3)}`);
      }
      if (lines.length) s.send(lines.join("\r\n")).catch(reject);
    };
    s.listen((l) => {
      if (!l.includes(" PRIVMSG #bench :m ")) return;
      echoed++;
      if (echoed >= load.messages) resolve();
      else fill();
    });
    fill();
  });
}

const SERVE_ARGS = [
  "--no-flood-control",
  "--sendq",
  "64m",
  "--max-connections-per-ip",
  "0",
  "--connection-throttle",
  "0",
  "--history-replay",
  "0",
];

async function single(load: Load): Promise<Figures> {
  const node = await ChatProcess.serve(SERVE_ARGS);
  try {
    return await runLoad("1 server (no Redis)", [node.port], load, {
      chat: [node.process.child.pid],
    });
  } finally {
    node.process.kill("SIGKILL");
    await node.process.finish();
  }
}

async function cluster(nodes: number, load: Load): Promise<Figures> {
  const redis = await TestRedis.start();
  const started: Awaited<ReturnType<typeof ChatProcess.serve>>[] = [];
  try {
    for (let i = 0; i < nodes; i++) {
      started.push(
        await ChatProcess.serve([...SERVE_ARGS, "--cluster", redis.url, "--node-id", `n${i}`]),
      );
    }
    return await runLoad(
      `${nodes} cluster node${nodes > 1 ? "s" : ""} + Redis`,
      started.map((n) => n.port),
      load,
      { chat: started.map((n) => n.process.child.pid), redis: redis.pid },
    );
  } finally {
    for (const n of started) {
      n.process.kill("SIGKILL");
      await n.process.finish();
    }
    await redis.stop();
  }
}

/** The comparison as a Markdown table (medians over the runs). */
function report(runs: Figures[][], load: Load): string {
  const published = load.senders * load.messages;
  const lines = [
    `${load.clients} clients in one channel, ${load.senders} senders × ${load.messages} messages ` +
    `(${load.rate > 0 ? `${load.rate} msg/s each` : `window ${load.window}`}); ` +
    `medians of ${runs[0]?.length ?? 0} run(s).`,
    "",
    "| configuration | deliveries/s | p50 ms | p99 ms | chat CPU µs/delivery | Redis CPU s | " +
    "Redis µs/message | Redis µs/delivery | lost | dup |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const figures of runs) {
    const [first] = figures;
    if (!first) continue;
    const m = (f: (x: Figures) => number) => median(figures.map(f)) ?? NaN;
    const deliveries = m((x) => x.deliveries);
    const redisCpu = m((x) => x.redisCpu);
    lines.push(
      `| ${first.config} | ${
        Math.round(m((x) => x.deliveries / x.seconds)).toLocaleString("en")
      } | ` +
        `${m((x) => x.p50).toFixed(1)} | ${m((x) => x.p99).toFixed(1)} | ` +
        `${(m((x) => x.chatCpu) / deliveries * 1e6).toFixed(2)} | ${redisCpu.toFixed(2)} | ` +
        `${(redisCpu / published * 1e6).toFixed(1)} | ${
          (redisCpu / deliveries * 1e6).toFixed(3)
        } | ` +
        `${m((x) => x.expected - x.deliveries)} | ${m((x) => x.duplicates)} |`,
    );
  }
  return lines.join("\n");
}

/** The load `deno task bench` runs the comparison with (the size of scenario B). */
export const DEFAULT_CLUSTER_LOAD: Load = {
  clients: 200,
  senders: 10,
  messages: 1000,
  window: 32,
  rate: 0,
};

/**
 * Runs the same load against one server, one cluster node and two cluster nodes (each with a
 * fresh Redis) and returns the Markdown table. `deno task bench` calls it for its cluster
 * scenario; `deno task bench:cluster` prints it.
 */
export async function compareCluster(load: Load, repeat = 1): Promise<string> {
  const singles: Figures[] = [], oneNode: Figures[] = [], twoNodes: Figures[] = [];
  for (let i = 0; i < repeat; i++) {
    singles.push(await single(load));
    oneNode.push(await cluster(1, load));
    twoNodes.push(await cluster(2, load));
  }
  return report([singles, oneNode, twoNodes], load);
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      clients: { type: "string", default: "200" },
      senders: { type: "string", default: "10" },
      messages: { type: "string", default: "1000" },
      window: { type: "string", default: "32" },
      rate: { type: "string", default: "0" },
      repeat: { type: "string", default: "1" },
    },
  });
  const load: Load = {
    clients: Number(values.clients),
    senders: Number(values.senders),
    messages: Number(values.messages),
    window: Number(values.window),
    rate: Number(values.rate),
  };
  const repeat = Math.max(1, Math.min(10, Number(values.repeat)));
  console.log(await compareCluster(load, repeat));
}
