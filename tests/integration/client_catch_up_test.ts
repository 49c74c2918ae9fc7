/**
 * The client engine (`ChatSession`) logged in to an account, over real sockets to our server:
 * after its network drops and it attaches again it shows only the lines it had not shown (no
 * old mention flagged twice); it sends MARKREAD for what the current conversation showed; and
 * its unread counts follow the read markers other devices set.
 */
import assert from "node:assert/strict";
import { ChatSession, type SessionConfig } from "../../client/session.ts";
import { promptFor } from "../../client/terminal.ts";
import type { Message } from "../../protocol/message.ts";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { EventLog } from "../helpers/client_events.ts";
import { CutProxy } from "../helpers/cut_proxy.ts";
import { testServer } from "../helpers/server.ts";

const PASSWORD = "correct-horse-battery";

/** Registers account `nick` from a connection that stays: the user's other device. */
async function phoneOf(port: number, nick: string): Promise<TestClient> {
  const phone = await TestClient.register(port, nick, ["draft/read-marker", "server-time"]);
  await phone.send(`PRIVMSG NickServ :REGISTER ${PASSWORD}`);
  await phone.expect("900");
  return phone;
}

function laptop(port: number, account: string, channels: string[]): SessionConfig {
  return {
    server: { host: "127.0.0.1", port },
    identity: {
      nick: "laptop",
      username: "laptop",
      realname: "Laptop",
      sasl: { account, password: PASSWORD },
    },
    channels,
    backoff: { initialMs: 20, maxMs: 100, jitter: 0.2 },
    markReadIntervalMs: 50,
  };
}

const stamp = (time: Date) => `timestamp=${time.toISOString()}`;
const isMarkread = (target: string, time: Date) => (m: Message) =>
  m.command === "MARKREAD" && m.params[0] === target && m.params[1] === stamp(time);

Deno.test("client: attaching again after the network dropped shows only new lines, flags no old mention, and sends MARKREAD", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const proxy = new CutProxy(port);
  const phone = await phoneOf(port, "alice");
  const bob = await TestClient.register(port, "bob");
  const log = new EventLog();
  const session = new ChatSession(laptop(proxy.port, "alice", ["#x"]), log.sink);
  try {
    await bob.send("JOIN #x");
    await bob.expect("366");
    await session.start();
    assert.equal(await session.whenReady(), true);
    assert.equal(session.state.nick, "alice", "attached to the account's user");
    assert.equal(session.state.account, "alice");

    await bob.send("PRIVMSG #x :hello alice");
    await bob.send("PRIVMSG #x :one");
    const hello = await log.waitFor((e) => e.text === "hello alice");
    assert.equal(hello.mention, true);
    const one = await log.waitFor((e) => e.text === "one");
    // what the current conversation showed is read: the other device is told
    await phone.expect(isMarkread("#x", one.time));

    proxy.cut(true);
    await log.waitFor((e) => e.kind === "status" && e.text.startsWith("Disconnected"));
    await bob.send("PRIVMSG #x :two, alice");
    await bob.sync();
    const shownBefore = log.events.length;
    proxy.unblock();
    const two = await log.waitFor((e) => e.text === "two, alice");
    assert.equal(await session.whenReady(), true);
    assert.ok(await session.roundTrip(), "everything the server sent on attaching has arrived");
    assert.equal(two.mention, true, "a new line mentioning us is flagged");
    const again = log.events.slice(shownBefore).filter((e) => e.kind === "message");
    assert.deepEqual(again.map((e) => e.text), ["two, alice"], "old lines are not shown again");
    assert.equal(log.events.filter((e) => e.mention).length, 2, "no mention flagged twice");
    await phone.expect(isMarkread("#x", two.time));
  } finally {
    await session.quit();
    await proxy.close();
    await phone.close();
    await bob.close();
    await server.shutdown();
  }
});

Deno.test("client: unread counts come from read markers, and move when another device reads", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const phone = await phoneOf(port, "carol");
  const bob = await TestClient.register(port, "bob");
  const log = new EventLog();
  let markerMoved: (() => void) | undefined;
  const session = new ChatSession(laptop(port, "carol", ["#x", "#y"]), log.sink, () => {
    markerMoved?.();
  });
  const nextMarker = () => new Promise<void>((resolve) => markerMoved = resolve);
  try {
    for (const channel of ["#x", "#y"]) {
      await bob.send(`JOIN ${channel}`);
      await bob.expect("366");
    }
    await session.start();
    assert.equal(await session.whenReady(), true);
    assert.equal(session.state.current, "#x");

    await bob.send("PRIVMSG #y :first");
    await bob.send("PRIVMSG #y :second");
    await bob.send("PRIVMSG carol :psst");
    const first = await log.waitFor((e) => e.text === "first");
    const second = await log.waitFor((e) => e.text === "second");
    await log.waitFor((e) => e.text === "psst");
    const read = session.state.read;
    assert.equal(read.unread("#y"), 2);
    assert.equal(read.unread("bob"), 1);
    assert.equal(
      promptFor("#x", read.unreadCounts(session.state.windows())),
      "[#x | #y 2, bob 1] ",
    );

    // the phone reads #y up to the first line: one left here
    let moved = nextMarker();
    await phone.send(`MARKREAD #y ${stamp(first.time)}`);
    await moved;
    assert.equal(read.unread("#y"), 1);
    moved = nextMarker();
    await phone.send(`MARKREAD bob ${stamp(new Date())}`);
    await moved;
    assert.equal(read.unread("bob"), 0);

    // switching to #y reads it here, and the phone is told
    session.state.current = "#y";
    session.markCurrentRead();
    assert.equal(read.unread("#y"), 0);
    await phone.expect(isMarkread("#y", second.time));
  } finally {
    await session.quit();
    await phone.close();
    await bob.close();
    await server.shutdown();
  }
});
