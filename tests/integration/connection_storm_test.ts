/**
 * Connection storm: hundreds of connections opened and dropped abruptly (reset, half-open,
 * mid-registration, mid-plain-text-door). Afterwards the server holds only the one watcher:
 * no leaked sessions, nicks, channel members or per-IP counts.
 */
import assert from "node:assert/strict";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { testServer } from "../helpers/server.ts";
import { waitUntil } from "../helpers/wait.ts";

const ROUNDS = 10;
const PER_ROUND = 60;
const enc = new TextEncoder();

async function abrupt(port: number, kind: number, i: number): Promise<void> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const write = (s: string) => conn.write(enc.encode(s)).catch(() => 0);
  const readSome = () => conn.read(new Uint8Array(64)).catch(() => null);
  switch (kind) {
    case 0: // connect and vanish
      break;
    case 1: // ask for something, leave the answer unread: close sends a TCP reset
      await write("CAP LS 302\r\n");
      await readSome();
      await write("PING :x\r\n");
      break;
    case 2: // half a line, then gone
      await write("NICK half");
      break;
    case 3: // registered and in a channel, then gone without QUIT
      await write(`NICK storm${i}\r\nUSER s 0 * :S\r\nJOIN #storm\r\nPRIVMSG #storm :hi\r\n`);
      await readSome();
      break;
    case 4: // the plain-text door, mid-conversation
      await write(`plain${i}\r\nhello\r\n`);
      await readSome();
      break;
    case 5: // mid-registration: NICK taken, USER never sent
      await write(`NICK watcher\r\n`);
      break;
  }
  conn.close();
}

Deno.test("a connection storm leaves nothing behind", async () => {
  const server = await testServer({
    limits: { registrationTimeoutMs: 1000, plainTextAfterMs: 200 },
  });
  const port = server.addr.port;
  const watcher = await TestClient.register(port, "watcher");
  const idle: Deno.TcpConn[] = [];
  try {
    await watcher.send("JOIN #storm");
    await watcher.expect("366");
    for (let round = 0; round < ROUNDS; round++) {
      await Promise.all(
        Array.from({ length: PER_ROUND }, (_, k) => abrupt(port, k % 6, round * PER_ROUND + k)),
      );
      // and some that connect and say nothing at all, until the server gives up on them
      idle.push(await Deno.connect({ hostname: "127.0.0.1", port }));
    }
    await waitUntil(() => server.connectionCount === 1, "only the watcher is connected", 15_000);
    const stats = server.hub.stats();
    assert.equal(stats.users, 1);
    assert.equal(server.registeringCount, 0, "no connection counted as registering");
    assert.equal(stats.channels, 1);
    assert.deepEqual([...server.hub.findChannel("#storm")!.members.keys()].map((u) => u.nick), [
      "watcher",
    ]);
    const joins = watcher.lines.filter((l) => / JOIN #storm$/.test(l)).length;
    const quits = watcher.lines.filter((l) => / QUIT /.test(l)).length;
    assert.equal(joins, quits + 1, "every storm user who joined also quit"); // +1: the watcher
    assert.ok(joins > ROUNDS * PER_ROUND / 6 / 2, `only ${joins} joins`);
    // the server still serves
    const after = await TestClient.register(port, "after");
    await after.close();
  } finally {
    for (const c of idle) {
      try {
        c.close();
      } catch { /* closed by the server */ }
    }
    await watcher.close();
    await server.shutdown();
  }
});
