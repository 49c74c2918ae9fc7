/**
 * Stalled reader: one client stops reading while others chat at a steady rate. Its queue must
 * hit the sendq limit and cut it off, and the others' latency must stay close to a run where
 * the same client reads normally.
 */
import assert from "node:assert/strict";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { ChatProcess } from "../../scripts/support/process.ts";

const RECEIVERS = 8;
const SENDERS = 2;
const MESSAGES = 150; // per sender, at MESSAGE_INTERVAL_MS
const MESSAGE_INTERVAL_MS = 10;
/**
 * While the others chat, ~3 MB go to the stalled client: more than the kernel buffers, less than
 * its 8 MiB sendq, so it stays stalled (and a server that waited on it would show) all along.
 */
const BULK_LINES = 6_500;
const BULK_BATCH = 100;
/** Afterwards, enough more (at most) to pass the sendq and get it cut off. */
const MORE_LINES = 40_000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** One run; returns the chat latencies (ms) seen by the receivers and the bulk reader's fate. */
async function run(port: number, stall: boolean, tag: string) {
  const receivers = await Promise.all(
    Array.from({ length: RECEIVERS }, (_, i) => TestClient.register(port, `${tag}r${i}`)),
  );
  const senders = await Promise.all(
    Array.from({ length: SENDERS }, (_, i) => TestClient.register(port, `${tag}s${i}`)),
  );
  const bulkSender = await TestClient.register(port, `${tag}bulk`);
  const slow = await TestClient.register(port, `${tag}slow`);
  const everyone = [...receivers, ...senders, bulkSender, slow];
  try {
    for (const c of [...receivers, ...senders]) {
      await c.send(`JOIN #${tag}main`);
      await c.expect("366");
    }
    for (const c of [bulkSender, slow]) {
      await c.send(`JOIN #${tag}bulk`);
      await c.expect("366");
    }
    if (stall) slow.pauseReading();
    else slow.discardLines();
    const line = "b".repeat(440);
    const sendBulk = async (from: number, to: number, pauseMs: number) => {
      for (let i = from; i < to; i += BULK_BATCH) {
        const batch = Array.from(
          { length: BULK_BATCH },
          (_, k) => `PRIVMSG #${tag}bulk :${i + k} ${line}`,
        );
        await bulkSender.send(batch.join("\r\n"));
        if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs)); // pacing, not sync
      }
    };
    // spread over the ~1.5 s of chat
    const bulk = sendBulk(0, BULK_LINES, Math.floor((MESSAGES * MESSAGE_INTERVAL_MS) / 70));
    const chat = Promise.all(senders.map(async (s, si) => {
      for (let i = 0; i < MESSAGES; i++) {
        await s.send(`PRIVMSG #${tag}main :${si} ${i} ${performance.now()}`);
        await new Promise((r) => setTimeout(r, MESSAGE_INTERVAL_MS)); // pacing, not sync
      }
    }));
    await Promise.all([bulk, chat]);
    const latencies: number[] = [];
    for (const r of receivers) {
      const mine = () => r.lines.filter((l) => l.includes(` PRIVMSG #${tag}main :`));
      await r.until(() => mine().length >= SENDERS * MESSAGES, "all chat messages", 30_000);
      r.lines.forEach((l, k) => {
        if (!l.includes(` PRIVMSG #${tag}main :`)) return;
        latencies.push(r.arrivals[k]! - Number(l.split(" ").at(-1)));
      });
    }
    latencies.sort((a, b) => a - b);
    let cutOff = false;
    if (stall) {
      const quitLine = (l: string) => l.startsWith(`:${tag}slow!`) && l.includes(" QUIT ");
      const gone = () => bulkSender.lines.some(quitLine);
      for (let i = BULK_LINES; i < BULK_LINES + MORE_LINES && !gone(); i += 2000) {
        await sendBulk(i, i + 2000, 0);
        await bulkSender.sync();
      }
      await bulkSender.until(gone, "the stalled client quits", 30_000);
      const quit = bulkSender.lines.find(quitLine)!;
      cutOff = quit.endsWith(" :SendQ exceeded");
    } else {
      const last = ` PRIVMSG #${tag}bulk :${BULK_LINES - 1} `;
      await slow.until(() => slow.lastLine.includes(last), "the last bulk line", 30_000);
    }
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), cutOff };
  } finally {
    await Promise.all(everyone.map((c) => c.close()));
  }
}

Deno.test("a stalled reader is cut off at the sendq and does not slow the others down", async () => {
  const { process: server, port } = await ChatProcess.serve([
    "--no-flood-control",
    "--sendq",
    "8m",
    "--log-level",
    "info",
  ]);
  try {
    const baseline = await run(port, false, "a");
    const stalled = await run(port, true, "b");
    console.log(
      `stalled reader: p50/p99 ${baseline.p50.toFixed(1)}/${baseline.p99.toFixed(1)} ms ` +
        `without, ${stalled.p50.toFixed(1)}/${stalled.p99.toFixed(1)} ms with a stalled client`,
    );
    assert.ok(stalled.cutOff, "the stalled client was not cut off with SendQ exceeded");
    // Generous bounds (CI machines are shared; a blocked server would show seconds, not ms).
    assert.ok(
      stalled.p50 <= baseline.p50 * 3 + 5,
      `p50 ${stalled.p50.toFixed(1)} ms vs baseline ${baseline.p50.toFixed(1)} ms`,
    );
    assert.ok(
      stalled.p99 <= baseline.p99 * 3 + 50,
      `p99 ${stalled.p99.toFixed(1)} ms vs baseline ${baseline.p99.toFixed(1)} ms`,
    );
  } finally {
    server.kill("SIGTERM");
    await server.finish();
  }
});
