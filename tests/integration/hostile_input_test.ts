/**
 * Hostile-input suite: thousands of seeded malformed, oversized, byte-at-a-time and random lines
 * thrown at a live `chat serve` process while well-behaved clients keep talking. The server must
 * stay up, never hit an internal error, deliver every good message, and not grow without bound.
 */
import assert from "node:assert/strict";
import { hostileLine, prng } from "../helpers/hostile.ts";
import { TestClient } from "../helpers/irc_client.ts";
import { ChatProcess } from "../helpers/process.ts";

const SEED = Number(Deno.env.get("HOSTILE_SEED") ?? 20261124);
const HOSTILE_CONNECTIONS = 6;
const LINES_PER_CONNECTION = 600; // per round
const BYTE_AT_A_TIME_LINES = 40;
const GOOD_MESSAGES = 100; // per good client per round

function rssKiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]);
}

/** One hostile connection: registers (or not), then streams garbage, reconnecting when cut. */
async function hostile(
  port: number,
  id: number,
  rand: () => number,
  lines: number,
  byteAtATime: boolean,
) {
  let client: TestClient | undefined;
  let sent = 0;
  let reconnects = 0;
  while (sent < lines) {
    try {
      if (!client) {
        client = await TestClient.connect(port);
        if (rand() < 0.7) await client.send(`NICK fuzz${id}x${reconnects}\r\nUSER f 0 * :fuzz`);
      }
      const batch: Uint8Array[] = [];
      for (let i = 0; i < 20 && sent < lines; i++, sent++) {
        batch.push(hostileLine(rand), new Uint8Array([10]));
      }
      const bytes = new Uint8Array(batch.reduce((n, b) => n + b.length, 0));
      let at = 0;
      for (const b of batch) {
        bytes.set(b, at);
        at += b.length;
      }
      if (byteAtATime) {
        for (const b of bytes) await client.sendRaw(new Uint8Array([b]));
      } else {
        // split at random points, mid-line included
        for (let i = 0; i < bytes.length;) {
          const n = 1 + Math.floor(rand() * 3000);
          await client.sendRaw(bytes.subarray(i, i + n));
          i += n;
        }
      }
    } catch {
      // the server closed us (QUIT in the fuzz, an error): come back, as attackers do
      await client?.close();
      client = undefined;
      reconnects++;
    }
  }
  if (client) {
    // Make sure the server has read everything: end with a QUIT it understands in either mode
    // and wait for it to close the connection.
    const tail = rand() < 0.5 ? "PRIVMSG #fuzz :unterminated" : "";
    try {
      await client.sendRaw(new TextEncoder().encode(`${tail}\r\nQUIT :done\r\n/quit done\r\n`));
    } catch {
      // the last fuzz batch already made the server close us: it has read all it will
    }
    await client.closed(20_000);
    await client.close();
  }
  return reconnects;
}

async function goodTraffic(good: TestClient[], round: number) {
  for (let i = 0; i < GOOD_MESSAGES; i++) {
    for (const c of good) await c.send(`PRIVMSG #good :r${round} ${c.nick} ${i}`);
  }
  for (const c of good) {
    for (const other of good) {
      if (other === c) continue;
      const prefix = `:${other.nick}!`, marker = ` PRIVMSG #good :r${round} `;
      const received = () =>
        c.lines.filter((l) => l.startsWith(prefix) && l.includes(marker))
          .map((l) => Number(l.split(" ").at(-1)));
      await c.until(
        () => received().length >= GOOD_MESSAGES,
        `${GOOD_MESSAGES} messages from ${other.nick}`,
        30_000,
      );
      assert.deepEqual(received(), Array.from({ length: GOOD_MESSAGES }, (_, i) => i));
    }
  }
}

Deno.test("hostile input: the server stays up, good clients get every message, memory is bounded", async () => {
  const { process: server, port } = await ChatProcess.serve(["--no-flood-control"]);
  const good = await Promise.all(
    ["good1", "good2", "good3"].map((n) => TestClient.register(port, n)),
  );
  const rand = prng(SEED);
  const rss: number[] = [];
  try {
    for (const c of good) {
      await c.send("JOIN #good");
      await c.expect("366");
    }
    for (let round = 0; round < 2; round++) {
      const attacks = Array.from({ length: HOSTILE_CONNECTIONS }, (_, i) => {
        const slow = i === 0;
        return hostile(
          port,
          i,
          prng(Math.floor(rand() * 2 ** 32)),
          slow ? BYTE_AT_A_TIME_LINES : LINES_PER_CONNECTION,
          slow,
        );
      });
      await Promise.all([goodTraffic(good, round), ...attacks]);
      for (const c of good) await c.sync();
      rss.push(rssKiB(server.child.pid));
    }
    // still serving: a new client registers and gets answers
    const late = await TestClient.register(port, "latecomer");
    await late.send("LUSERS");
    const lusers = await late.expect("251");
    assert.match(lusers.params[1], /^There are 4 users/);
    await late.close();
    const errors = server.log.filter((l) => /^\S+ (error|warn) /.test(l));
    assert.equal(errors.join("\n"), "", "the server logged errors");
    // the second round may not cost much more memory than the first (seed ${SEED})
    assert.ok(rss[1] < rss[0] * 1.5 + 16 * 1024, `RSS grew from ${rss[0]} KiB to ${rss[1]} KiB`);
    const connections = server.log.filter((l) => / connected$/.test(l)).length;
    assert.ok(connections >= 2 * HOSTILE_CONNECTIONS + 4, `only ${connections} connections`);
    console.log(
      `hostile input: seed ${SEED}, ${connections} connections, ` +
        `RSS after round 1 ${rss[0]} KiB, after round 2 ${rss[1]} KiB`,
    );
  } finally {
    await Promise.all(good.map((c) => c.close()));
    server.kill("SIGTERM");
    await server.finish();
  }
});
