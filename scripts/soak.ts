/**
 * Soak test (`deno task soak`): N clients chat through a real `chat serve` for a set number of
 * minutes. Every interval it prints the server's memory, the delivery latency and the messages
 * delivered so far; it fails (exit 1) on any lost or reordered message or when memory keeps
 * growing. Loopback only; bounded in time.
 *
 *   deno task soak [--clients 50] [--minutes 5] [--rate 1] [--interval 10]
 */

import { parseArgs } from "node:util";
import { exactPercentile } from "../bench/histogram.ts";
import { readRssKiB } from "../bench/procfs.ts";
import { LineFramer, SERVER_LINE_LIMITS } from "../protocol/lines.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    clients: { type: "string", default: "50" },
    minutes: { type: "string", default: "5" },
    rate: { type: "string", default: "1" }, // messages per second per client
    interval: { type: "string", default: "10" }, // seconds between reports
  },
});
const CLIENTS = Number(values.clients);
const DURATION_MS = Number(values.minutes) * 60_000;
const RATE = Number(values.rate);
const INTERVAL_MS = Number(values.interval) * 1000;
for (const [name, v] of [["clients", CLIENTS], ["minutes", DURATION_MS], ["rate", RATE]] as const) {
  if (!(v > 0)) {
    console.error(`error: --${name} must be a positive number`);
    Deno.exit(2);
  }
}

const enc = new TextEncoder();
const main = new URL("../main.ts", import.meta.url).pathname;
const server = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "--allow-net",
    "--allow-read",
    "--allow-env",
    main,
    "serve",
    "--port",
    "0",
    "--db",
    ":memory:",
  ],
  stderr: "piped",
  stdout: "null",
}).spawn();

/** Reads stderr until the line that tells the port. */
async function serverPort(): Promise<number> {
  const reader = server.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
    const m = /listening on \S+:(\d+)/.exec(text);
    if (m) {
      (async () => { // keep draining so the server never blocks on a full pipe
        while (!(await reader.read()).done) { /* drop */ }
      })();
      return Number(m[1]);
    }
  }
  throw new Error(`server did not start:\n${text}`);
}

function rssKiB(): number {
  return readRssKiB(server.pid) ?? NaN;
}

interface SoakClient {
  nick: string;
  conn: Deno.TcpConn;
  nextSeq: number;
  /** Highest sequence number seen from each sender. */
  lastSeen: Map<string, number>;
}

let delivered = 0;
let lost = 0;
let reordered = 0;
let latencies: number[] = [];

async function connect(port: number, i: number): Promise<SoakClient> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const c: SoakClient = { nick: `soak${i}`, conn, nextSeq: 0, lastSeen: new Map() };
  let joined!: () => void;
  const ready = new Promise<void>((r) => joined = r);
  (async () => {
    const framer = new LineFramer(SERVER_LINE_LIMITS);
    const buf = new Uint8Array(16384);
    const handler = {
      tooLong() {},
      line(l: string) {
        if (l.startsWith("PING ")) {
          conn.write(enc.encode(`PONG ${l.slice(5)}\r\n`)).catch(() => {});
          return;
        }
        const at = l.indexOf(" PRIVMSG #soak :");
        if (at !== -1) {
          const [from = "", seq, sent] = l.slice(at + 16).split(" ");
          const last = c.lastSeen.get(from) ?? -1;
          if (Number(seq) <= last) reordered++;
          else lost += Number(seq) - last - 1;
          c.lastSeen.set(from, Math.max(last, Number(seq)));
          delivered++;
          latencies.push(performance.now() - Number(sent));
        } else if (l.includes(" 366 ")) joined();
      },
    };
    try {
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) break;
        framer.push(buf.subarray(0, n), handler);
      }
    } catch { /* closed */ }
  })();
  await conn.write(enc.encode(`NICK ${c.nick}\r\nUSER s 0 * :soak\r\nJOIN #soak\r\n`));
  await ready;
  return c;
}

function pct(values: number[], p: number): string {
  return values.length === 0 ? "-" : exactPercentile(values, p).toFixed(1);
}

const clients: SoakClient[] = [];
const samples: number[] = [];
let sent = 0;
let missing = 0;
try {
  const port = await serverPort();
  for (let i = 0; i < CLIENTS; i++) clients.push(await connect(port, i));
  console.log(
    `soak: ${CLIENTS} clients, ${RATE} msg/s each, ${values.minutes} min, server pid ${server.pid}`,
  );
  console.log("elapsed_s  rss_kib  delivered  lost  reordered  p50_ms  p99_ms");

  const started = performance.now();
  const sendTimer = setInterval(() => {
    for (const c of clients) {
      c.conn.write(enc.encode(`PRIVMSG #soak :${c.nick} ${c.nextSeq++} ${performance.now()}\r\n`))
        .catch(() => lost++);
      sent++;
    }
  }, 1000 / RATE);
  const report = () => {
    const rss = rssKiB();
    samples.push(rss);
    const elapsed = ((performance.now() - started) / 1000).toFixed(0).padStart(9);
    console.log(
      `${elapsed}  ${String(rss).padStart(7)}  ${String(delivered).padStart(9)}  ${
        String(lost).padStart(4)
      }  ${String(reordered).padStart(9)}  ${pct(latencies, 50).padStart(6)}  ${
        pct(latencies, 99).padStart(6)
      }`,
    );
    latencies = [];
  };
  const reportTimer = setInterval(report, INTERVAL_MS);
  await new Promise((r) => setTimeout(r, DURATION_MS));
  clearInterval(sendTimer);
  // let the last messages arrive: every client must see every other's last sequence number
  const deadline = Date.now() + 10_000;
  const expected = () =>
    clients.every((c) => clients.every((o) => o === c || c.lastSeen.get(o.nick) === o.nextSeq - 1));
  while (!expected() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  clearInterval(reportTimer);
  report();
  missing = clients.reduce(
    (n, c) =>
      n +
      clients.reduce(
        (m, o) => m + (o === c ? 0 : o.nextSeq - 1 - (c.lastSeen.get(o.nick) ?? -1)),
        0,
      ),
    0,
  );
} finally {
  for (const c of clients) c.conn.close();
  try {
    server.kill("SIGTERM");
  } catch { /* already gone */ }
  await server.status;
}

// Memory: compare the second sample (after warm-up) with the last one.
const [first, second] = samples;
const base = second ?? first;
const last = samples.at(-1);
const problems: string[] = [];
if (lost + missing > 0) problems.push(`${lost + missing} messages lost`);
if (reordered > 0) problems.push(`${reordered} messages out of order`);
if (base === undefined || last === undefined) problems.push("no RSS sample was taken");
else if (last - base > base * 0.25 + 8 * 1024) {
  problems.push(`RSS grew from ${base} to ${last} KiB`);
}
console.log(
  `soak: ${sent} sent, ${delivered} delivered (${
    CLIENTS - 1
  } recipients each), RSS ${base} -> ${last} KiB`,
);
if (problems.length > 0) {
  console.error(`soak FAILED: ${problems.join("; ")}`);
  Deno.exit(1);
}
console.log("soak passed");
