/**
 * The client engine and `draft/multiline` against our server over real sockets: a pasted block
 * goes out as one multiline message (one batch for clients that read them, lines for others),
 * and one received is shown as its lines.
 */
import assert from "node:assert/strict";
import { pasteBatch } from "../../client/multiline.ts";
import { ChatSession } from "../../client/session.ts";
import { EventLog } from "../helpers/client_events.ts";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { testServer } from "../helpers/server.ts";

Deno.test("client: a paste is sent as one multiline message, one received is shown as its lines", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const bob = await TestClient.register(port, "bob", ["batch", "draft/multiline"]);
  const carol = await TestClient.register(port, "carol");
  const log = new EventLog();
  const session = new ChatSession({
    server: { host: "127.0.0.1", port },
    identity: { nick: "alice", username: "alice", realname: "alice test" },
    channels: ["#lobby"],
  }, log.sink);
  try {
    for (const c of [bob, carol]) {
      await c.send("JOIN #lobby");
      await c.expect("366");
    }
    assert.equal(await session.start(), undefined);
    assert.equal(await session.whenReady(), true);
    assert.equal(session.state.capValues.get("draft/multiline"), "max-bytes=4096,max-lines=100");

    const paste = ["for x in xs:", "    print(x)", "", "/usr/bin is a path, not a command"];
    const batch = pasteBatch(paste, session.state, "p1");
    assert.ok(batch);
    assert.ok(session.sendUser(batch, true));

    const open = await bob.expect((m) =>
      m.command === "BATCH" && m.params[1] === "draft/multiline"
    );
    assert.deepEqual(open.params.slice(1), ["draft/multiline", "#lobby"]);
    const got = [];
    for (
      let m = await bob.expect(() => true);
      m.command !== "BATCH";
      m = await bob.expect(() => true)
    ) {
      got.push(m.params[1]);
    }
    assert.deepEqual(got, paste);
    const plain = [];
    for (let i = 0; i < 3; i++) plain.push((await carol.expect("PRIVMSG")).params[1]);
    assert.deepEqual(plain, ["for x in xs:", "    print(x)", "/usr/bin is a path, not a command"]);
    for (const line of paste) {
      const own = await log.waitFor((e) => e.kind === "message");
      assert.deepEqual([own.own, own.text], [true, line], "the echo shown line by line");
    }

    await bob.send("BATCH +123 draft/multiline #lobby");
    await bob.send("@batch=123 PRIVMSG #lobby hello");
    await bob.send("@batch=123 PRIVMSG #lobby :how is ");
    await bob.send("@batch=123;draft/multiline-concat PRIVMSG #lobby :everyone?");
    await bob.send("BATCH -123");
    const first = await log.waitFor((e) => e.kind === "message");
    const second = await log.waitFor((e) => e.kind === "message");
    assert.deepEqual([first.from, first.text], ["bob", "hello"]);
    assert.deepEqual([second.from, second.text], ["bob", "how is everyone?"]);
  } finally {
    await session.quit();
    for (const c of [bob, carol]) await c.close();
    await server.shutdown();
  }
});
