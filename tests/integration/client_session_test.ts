/**
 * The client engine (`ChatSession`, pipe mode) against our server over real sockets: CAP
 * negotiation, channel and private messages, echo-message, nick collision, pipe delivery and
 * reconnecting after the server went away.
 */
import assert from "node:assert/strict";
import { runPipe } from "../../client/pipe.ts";
import { ChatSession, type SessionConfig } from "../../client/session.ts";
import { EventLog } from "../helpers/client_events.ts";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { testServer } from "../helpers/server.ts";

function config(port: number, nick: string, channels = ["#lobby"]): SessionConfig {
  return {
    server: { host: "127.0.0.1", port },
    identity: { nick, username: nick, realname: `${nick} test` },
    channels,
    backoff: { initialMs: 50, maxMs: 200, jitter: 0.2 },
  };
}

Deno.test("client: registers with CAPs, joins, chats in a channel and privately", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const bob = await TestClient.register(port, "bob");
  const log = new EventLog();
  const session = new ChatSession(config(port, "alice", ["#lobby", "#dev"]), log.sink);
  try {
    await bob.send("JOIN #lobby");
    await bob.expect("366");
    assert.equal(await session.start(), undefined);
    assert.equal(await session.whenReady(), true);
    assert.deepEqual([...session.state.caps].sort(), [
      "batch",
      "draft/multiline",
      "draft/read-marker",
      "echo-message",
      "message-tags",
      "multi-prefix",
      "server-time",
    ]);
    assert.deepEqual(session.state.windows(), ["#lobby", "#dev"]);
    assert.equal(session.state.current, "#lobby");
    assert.deepEqual(session.state.membersOf("#lobby"), ["alice", "bob"]);
    await log.waitFor((e) => e.text === "Users in #lobby (2): @bob alice");

    await bob.send("PRIVMSG #lobby :hi alice!");
    const hi = await log.waitFor((e) => e.kind === "message");
    assert.equal(hi.from, "bob");
    assert.equal(hi.mention, true);
    assert.ok(Math.abs(hi.time.getTime() - Date.now()) < 5000, "server-time parsed");

    await bob.send("PRIVMSG alice :just between us");
    const secret = await log.waitFor((e) => e.kind === "message");
    assert.equal(secret.private, true);
    assert.equal(secret.conversation, "bob");
    assert.deepEqual(session.state.queries, ["bob"], "a private message opens a conversation");

    assert.ok(session.sendUser([{ command: "PRIVMSG", params: ["bob", "sure thing"] }]));
    assert.deepEqual((await bob.expect("PRIVMSG")).params, ["bob", "sure thing"]);
    const own = await log.waitFor((e) => e.kind === "message");
    assert.equal(own.own, true, "echo-message shows our line once, from the server");
    assert.equal(own.conversation, "bob");
    assert.ok(await session.roundTrip());
    assert.equal(log.events.filter((e) => e.own).length, 1);

    assert.deepEqual(await session.quit("done here"), { kind: "quit" });
    assert.equal((await bob.expect("QUIT")).params[0], "Quit: done here");
  } finally {
    await session.quit();
    await bob.close();
    await server.shutdown();
  }
});

Deno.test("client: a taken nick at registration becomes nick_ and the user is told", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const first = await TestClient.register(port, "carol");
  const log = new EventLog();
  const session = new ChatSession(config(port, "carol"), log.sink);
  try {
    await session.start();
    const notice = await log.waitFor((e) => e.kind === "status" && e.text.includes("in use"));
    assert.equal(notice.text, "Nickname carol is already in use; using carol_");
    assert.equal(await session.whenReady(), true);
    assert.equal(session.state.nick, "carol_");
    assert.deepEqual(session.state.membersOf("#lobby"), ["carol_"]);
    assert.ok(!log.events.some((e) => e.kind === "error"), "433 is not shown as an error");
  } finally {
    await session.quit();
    await first.close();
    await server.shutdown();
  }
});

Deno.test("client: pipe mode sends every line, prints what arrives, quits at EOF", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const ops = await TestClient.register(port, "ops");
  await ops.send("JOIN #ops");
  await ops.expect("366");
  const out: string[] = [];
  const err: string[] = [];
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  async function* input() {
    yield "deploy started";
    yield "";
    yield "deploy done: 3 hosts, ünïcödé ok";
    await released; // keep stdin open until ops has talked back
    yield "bye";
  }
  const run = runPipe(config(port, "ci", ["#ops"]), {
    lines: input(),
    out: (l) => out.push(l),
    err: (l) => err.push(l),
  });
  try {
    assert.deepEqual((await ops.expect("PRIVMSG")).params, ["#ops", "deploy started"]);
    assert.deepEqual((await ops.expect("PRIVMSG")).params, [
      "#ops",
      "deploy done: 3 hosts, ünïcödé ok",
    ]);
    await ops.send("PRIVMSG #ops :thanks ci");
    await ops.send("PRIVMSG ci :a private word");
    await ops.sync();
    release();
    assert.deepEqual((await ops.expect("PRIVMSG")).params, ["#ops", "bye"]);
    assert.equal((await ops.expect("QUIT")).source?.split("!")[0], "ci");
    assert.equal(await run, 0, err.join("\n"));
    assert.equal(out.length, 2, out.join("\n"));
    assert.match(out[0]!, /^\[\d\d:\d\d:\d\d\] #ops <ops> thanks ci$/);
    assert.match(out[1]!, /^\[\d\d:\d\d:\d\d\] ci <ops> a private word$/);
    assert.deepEqual(err, []);
  } finally {
    release();
    await ops.close();
    await server.shutdown();
  }
});

Deno.test("client: pipe mode exits 1 when the server refuses the message", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const op = await TestClient.register(port, "op");
  await op.send("JOIN #quiet");
  await op.expect("366");
  await op.send("MODE #quiet +b ci!*@*");
  await op.sync();
  const err: string[] = [];
  async function* input() {
    yield "can anyone hear me";
  }
  try {
    const code = await runPipe(config(port, "ci", ["#quiet"]), {
      lines: input(),
      out: () => {},
      err: (l) => err.push(l),
    });
    assert.equal(code, 1);
    assert.ok(err.some((l) => /^error: #quiet: Cannot join channel/.test(l)), err.join("\n"));
  } finally {
    await op.close();
    await server.shutdown();
  }
});

Deno.test("client: reconnects with backoff after the server restarts, and rejoins", async () => {
  let server = await testServer();
  const port = server.addr.port;
  const log = new EventLog();
  const session = new ChatSession(config(port, "dana", ["#lobby", "#dev"]), log.sink);
  try {
    await session.start();
    assert.equal(await session.whenReady(), true);
    await server.shutdown();
    const dropped = await log.waitFor((e) =>
      e.kind === "status" && e.text.startsWith("Disconnected")
    );
    assert.match(dropped.text, /Disconnected: /);
    const retry = await log.waitFor((e) => e.text.startsWith("Reconnecting in"));
    assert.match(retry.text, /^Reconnecting in 0\.\d s$/);
    server = await testServer({ port });
    assert.equal(await session.whenReady(), true);
    assert.deepEqual(session.state.windows(), ["#lobby", "#dev"]);
    const watcher = await TestClient.register(port, "watcher");
    await watcher.send("NAMES #dev");
    const names = await watcher.expect("353");
    assert.match(names.params.at(-1)!, /dana/);
    await watcher.close();
  } finally {
    await session.quit();
    await server.shutdown();
  }
});

Deno.test("client: a 600-byte line from a server is shown; one past 8 KiB is reported, not hidden", async () => {
  // a server that sends what real servers may: lines longer than RFC 1459's 512 bytes
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const log = new EventLog();
  const session = new ChatSession(
    { ...config((listener.addr as Deno.NetAddr).port, "alice", []), reconnect: false },
    log.sink,
  );
  const enc = new TextEncoder();
  const long = "x".repeat(560) + " end"; // a 600-byte line with the prefix
  const line = `:bob!b@example.org PRIVMSG alice :${long}\r\n`;
  const huge = `:bob!b@example.org PRIVMSG alice :${"h".repeat(9000)}\r\n`;
  try {
    const started = session.start();
    const conn = await listener.accept();
    try {
      await conn.write(enc.encode(":fake CAP * LS :\r\n:fake 001 alice :Welcome\r\n"));
      assert.equal(await started, undefined);
      await conn.write(enc.encode(line + huge + line.replace(" end", " again")));
      const shown = await log.waitFor((e) => e.kind === "message");
      assert.equal(enc.encode(line).length, 600);
      assert.equal(shown.text, long);
      assert.equal(shown.from, "bob");
      const dropped = await log.waitFor((e) => e.kind === "status");
      assert.equal(
        dropped.text,
        "A line from the server was too long (over 8 KiB) and was dropped",
      );
      const after = await log.waitFor((e) => e.kind === "message");
      assert.ok(after.text.endsWith(" again"), "the lines after it still arrive");
    } finally {
      conn.close();
    }
  } finally {
    await session.quit();
    listener.close();
  }
});
