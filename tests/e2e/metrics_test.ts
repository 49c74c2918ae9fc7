/**
 * `chat serve` as a real process: `/metrics` parsed strictly as the Prometheus text format on the
 * metrics port, its counters moving when messages flow; `/metrics` on the web port only for a
 * loopback peer whose request no proxy relayed; `/healthz` 200, then 503 while another process
 * holds the database's write lock, then 200 again.
 */

import assert from "node:assert/strict";
import { ChatProcess } from "../../scripts/support/process.ts";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { DatabaseLock } from "../helpers/db_lock.ts";
import { parsePrometheusText, sampleValue } from "../helpers/prometheus_text.ts";

const METRICS_LINE = /metrics on http:\/\/(\S+):(\d+)\/metrics/;
const WEB_LINE = /serving the web page on http:\/\/\S+:(\d+)\//;

/** GET `url`: the status, the content type and the body. */
async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, type: res.headers.get("content-type"), body: await res.text() };
}

/** Scrapes and parses strictly. */
async function scrape(url: string) {
  const { status, type, body } = await get(url);
  assert.equal(status, 200);
  assert.equal(type, "text/plain; version=0.0.4; charset=utf-8");
  return parsePrometheusText(body);
}

/** Polls `check` until it holds (each poll is a real request), failing after the deadline. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!await check()) {
    if (Date.now() > deadline) throw new Error(`never: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

Deno.test("serve --metrics-port: a strict Prometheus scrape on loopback, moving with messages", async () => {
  const { process: server, port } = await ChatProcess.serve(["--metrics-port", "0"]);
  const clients: TestClient[] = [];
  try {
    const [, host, metricsPort] = METRICS_LINE.exec(await server.waitFor(METRICS_LINE))!;
    assert.equal(host, "127.0.0.1", "the metrics port binds loopback by default");
    const url = `http://127.0.0.1:${metricsPort}/metrics`;
    const before = await scrape(url);
    for (
      const name of [
        "chat_connections",
        "chat_users",
        "chat_always_on_users",
        "chat_channels",
        "chat_messages_total",
        "chat_deliveries_total",
        "chat_sendq_exceeded_total",
        "chat_flood_delays_total",
        "chat_connections_refused_total",
        "chat_history_rows_total",
        "chat_history_commit_seconds",
        "chat_process_resident_memory_bytes",
        "chat_event_loop_delay_seconds",
      ]
    ) assert.ok(before.has(name), `${name} is exposed`);
    assert.equal(sampleValue(before, "chat_users"), 0);

    const alice = await TestClient.register(port, "alice");
    const bob = await TestClient.register(port, "bob");
    clients.push(alice, bob);
    await alice.send("JOIN #room");
    await alice.expect("366");
    await bob.send("JOIN #room");
    await bob.expect("366");
    await alice.expectLine((line) => / JOIN :?#room/.test(line) && line.startsWith(":bob!"));
    const joined = await scrape(url);
    for (let i = 0; i < 3; i++) await alice.send(`PRIVMSG #room :hello ${i}`);
    await bob.expectLine((line) => line.includes("hello 2"));

    const after = await scrape(url);
    assert.equal(sampleValue(after, "chat_users"), 2);
    assert.equal(sampleValue(after, "chat_channels"), 1);
    assert.equal(sampleValue(after, 'chat_connections{transport="tcp"}'), 2);
    const moved = (key: string) => sampleValue(after, key) - sampleValue(joined, key);
    assert.equal(moved("chat_messages_total"), 3);
    assert.equal(moved("chat_deliveries_total"), 3, "each message was delivered to bob alone");
    await eventually(async () => {
      const now = await scrape(url);
      return sampleValue(now, "chat_history_rows_total") >= 3 &&
        sampleValue(now, "chat_history_commit_seconds_count") >= 1;
    }, "the messages' history rows are counted");

    assert.equal((await get(`http://127.0.0.1:${metricsPort}/`)).status, 404);
  } finally {
    for (const c of clients) await c.close();
    server.kill();
    await server.finish();
  }
});

Deno.test("serve --web-port: /metrics for loopback peers only, never through a proxy; /healthz for all", async () => {
  const server = ChatProcess.start(["serve", "--port=0", "--web-port=0"]);
  try {
    const web = Number(WEB_LINE.exec(await server.waitFor(WEB_LINE))![1]);
    const base = `http://127.0.0.1:${web}`;
    parsePrometheusText((await get(`${base}/metrics`)).body);
    // a reverse proxy on the same host relays the internet from loopback: refused
    const proxied: Record<string, string>[] = [
      { "x-forwarded-for": "203.0.113.9" },
      { forwarded: "for=203.0.113.9" },
    ];
    for (const header of proxied) {
      const relayed = await get(`${base}/metrics`, header);
      assert.equal(relayed.status, 403);
      assert.doesNotMatch(relayed.body, /chat_/);
    }
    const health = await get(`${base}/healthz`, { "x-forwarded-for": "203.0.113.9" });
    assert.deepEqual([health.status, health.body], [200, "ok\n"]);
  } finally {
    server.kill();
    await server.finish();
  }
});

Deno.test("serve: /healthz fails (503) while the store cannot be written, and recovers", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/chat.db`;
  const { process: server } = await ChatProcess.serve(["--db", path, "--metrics-port", "0"]);
  let lock: DatabaseLock | undefined;
  try {
    const metricsPort = METRICS_LINE.exec(await server.waitFor(METRICS_LINE))![2];
    const health = `http://127.0.0.1:${metricsPort}/healthz`;
    assert.deepEqual(await get(health).then((r) => [r.status, r.body]), [200, "ok\n"]);
    lock = await DatabaseLock.hold(path);
    let failing = { status: 0, type: null as string | null, body: "" };
    await eventually(async () => (failing = await get(health)).status === 503, "503 while locked");
    assert.match(failing.body, /database not writable/);
    const scraped = await scrape(`http://127.0.0.1:${metricsPort}/metrics`);
    assert.equal(sampleValue(scraped, "chat_healthy"), 0);
    await lock.release();
    lock = undefined;
    await eventually(async () => (await get(health)).status === 200, "200 once released");
  } finally {
    await lock?.release();
    server.kill();
    await server.finish();
    await Deno.remove(dir, { recursive: true });
  }
});
