/**
 * `main.ts join` as a real subprocess: pipe mode delivery and output, options from CHAT_*
 * variables, one-line errors, password, and reconnecting after the server process restarts.
 */
import assert from "node:assert/strict";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { JoinProcess, runJoin } from "../helpers/join_process.ts";
import { freePort } from "../../scripts/support/peers.ts";
import { ChatProcess } from "../../scripts/support/process.ts";
import { testServer } from "../helpers/server.ts";

Deno.test("main.ts join: echo 'deploy done' | chat join … delivers exactly that line", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const ops = await TestClient.register(port, "watcher");
  try {
    await ops.send("JOIN #ops");
    await ops.expect("366");
    const { code, stdout, stderr } = await runJoin(
      [`127.0.0.1:${port}`, "--nick", "ci", "--channel", "#ops"],
      "deploy done\n",
    );
    assert.equal(code, 0, stderr.join("\n"));
    assert.deepEqual(stdout, []);
    assert.deepEqual(stderr, []);
    const join = await ops.expect("JOIN");
    assert.equal(join.source?.split("!")[0], "ci");
    const m = await ops.expect("PRIVMSG");
    assert.deepEqual(m.params, ["#ops", "deploy done"]);
    const quit = await ops.expect("QUIT");
    assert.equal(quit.source?.split("!")[0], "ci");
    const between = await ops.sync();
    assert.ok(!between.some((x) => x.command === "PRIVMSG"), "nothing else was sent");
  } finally {
    await ops.close();
    await server.shutdown();
  }
});

Deno.test("main.ts join: pipe mode prints received messages; options from CHAT_* vars", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const bob = await TestClient.register(port, "bob");
  const client = JoinProcess.start([], {
    CHAT_SERVER: `127.0.0.1:${port}`,
    CHAT_NICK: "bot7",
    CHAT_CHANNEL: "alerts,#second",
    CHAT_REALNAME: "Alert Bot",
  });
  try {
    await bob.send("JOIN #alerts");
    await bob.expect("366");
    const join = await bob.expect("JOIN");
    assert.equal(join.source?.split("!")[0], "bot7");
    await bob.send("PRIVMSG #alerts :status?");
    await bob.send("PRIVMSG #alerts :\x01ACTION pokes bot7\x01");
    await bob.send("NOTICE bot7 :heads up");
    await client.stdout.waitFor(/^\[\d\d:\d\d:\d\d\] #alerts <bob> status\?$/);
    await client.stdout.waitFor(/^\[\d\d:\d\d:\d\d\] #alerts \* bob pokes bot7$/);
    await client.stdout.waitFor(/^\[\d\d:\d\d:\d\d\] bot7 -bob- heads up$/);
    await client.write("all green\n");
    assert.deepEqual((await bob.expect("PRIVMSG")).params, ["#alerts", "all green"]);
    await bob.send("WHOIS bot7");
    const whois = await bob.expect("311");
    assert.equal(whois.params.at(-1), "Alert Bot");
    assert.match((await bob.expect("319")).params.at(-1)!, /#alerts.*#second|#second.*#alerts/);
    const { code, stdout } = await client.finish();
    assert.equal(code, 0);
    assert.ok(stdout.every((l) => !l.includes("\x1b")), "no colours in pipe mode");
    assert.equal(stdout.length, 3, stdout.join("\n"));
  } finally {
    client.kill("SIGKILL");
    await client.finish();
    await bob.close();
    await server.shutdown();
  }
});

Deno.test("main.ts join: bad values, refused connections and unknown hosts are one line", async () => {
  const closed = freePort();
  const cases: [string[], RegExp][] = [
    [["--nick", "9lives"], /^error: option '-n, --nick <nick>' argument '9lives' is invalid/],
    [["--channel", "#a b"], /^error: option .*--channel.* is invalid\. Expected channel names/],
    [["localhost:99999"], /^error: server 'localhost:99999' is invalid/],
    [
      [`127.0.0.1:${closed}`],
      new RegExp(`^error: cannot connect to 127\\.0\\.0\\.1:${closed}: connection refused$`),
    ],
    [["no-such-host.invalid:6667"], /^error: cannot resolve host name no-such-host\.invalid$/],
  ];
  for (const [args, pattern] of cases) {
    const { code, stderr } = await runJoin(args, "never sent\n");
    assert.notEqual(code, 0, args.join(" "));
    assert.equal(stderr.length, 1, `${args.join(" ")}: ${stderr.join("\n")}`);
    assert.match(stderr[0]!, pattern);
  }
});

Deno.test("main.ts join: --password is sent with PASS; a wrong one is a clear failure", async () => {
  const server = await testServer({ password: "letmein" });
  const port = server.addr.port;
  const ops = await TestClient.connect(port);
  try {
    await ops.send("PASS letmein");
    await ops.send("NICK ops");
    await ops.send("USER ops 0 * :ops");
    await ops.expect("001");
    await ops.send("JOIN #lobby");
    await ops.expect("366");
    const good = await runJoin(
      [`127.0.0.1:${port}`, "--nick", "pw", "--password", "letmein"],
      "in\n",
    );
    assert.equal(good.code, 0, good.stderr.join("\n"));
    assert.deepEqual((await ops.expect("PRIVMSG")).params, ["#lobby", "in"]);
    const bad = await runJoin([`127.0.0.1:${port}`, "--nick", "pw2"], "nope\n", {
      CHAT_PASSWORD: "wrong",
    });
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr.length, 1, bad.stderr.join("\n"));
    assert.match(bad.stderr[0]!, /^error: The server refused the connection: /);
  } finally {
    await ops.close();
    await server.shutdown();
  }
});

Deno.test("main.ts join: reconnects after the server process restarts, rejoins, keeps sending", async () => {
  const port = freePort();
  const startServer = async () => {
    const p = ChatProcess.start(["serve", "--port", String(port)]);
    await p.waitFor(/listening on/);
    return p;
  };
  let server = await startServer();
  const client = JoinProcess.start([
    `127.0.0.1:${port}`,
    "--nick",
    "phoenix",
    "--channel",
    "#ops,#dev",
  ]);
  let watcher = await TestClient.register(port, "watcher");
  try {
    await watcher.send("JOIN #ops");
    await watcher.expect("366");
    await client.write("before\n");
    assert.deepEqual((await watcher.expect("PRIVMSG")).params, ["#ops", "before"]);

    server.kill("SIGTERM");
    assert.equal((await server.finish()).code, 0);
    await watcher.close();
    await client.stderr.waitFor(/^Disconnected: /);
    await client.stderr.waitFor(/^Reconnecting in \d\.\d s$/);

    server = await startServer();
    watcher = await TestClient.register(port, "watcher");
    await watcher.send("JOIN #ops,#dev");
    await watcher.expect("366");
    await watcher.expect("366");
    const rejoined = new Set<string>();
    while (rejoined.size < 2) {
      const join = await watcher.expect("JOIN", 15_000);
      assert.equal(join.source?.split("!")[0], "phoenix");
      rejoined.add(join.params[0]!);
    }
    assert.deepEqual([...rejoined].sort(), ["#dev", "#ops"]);
    await client.write("after\n");
    assert.deepEqual((await watcher.expect("PRIVMSG")).params, ["#ops", "after"]);
    const { code } = await client.finish();
    assert.equal(code, 0, client.stderr.lines.join("\n"));
  } finally {
    client.kill("SIGKILL");
    await client.finish();
    await watcher.close();
    server.kill("SIGKILL");
    await server.finish();
  }
});

Deno.test("main.ts join: SIGINT in pipe mode delivers what was read, sends QUIT, exits 0", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const ops = await TestClient.register(port, "ops");
  const client = JoinProcess.start([`127.0.0.1:${port}`, "--nick", "sigbot"]);
  try {
    await ops.send("JOIN #lobby");
    await ops.expect("366");
    await client.write("last words\n");
    assert.deepEqual((await ops.expect("PRIVMSG")).params, ["#lobby", "last words"]);
    client.kill("SIGINT");
    assert.equal((await ops.expect("QUIT")).source?.split("!")[0], "sigbot");
    const { code } = await client.finish();
    assert.equal(code, 0, client.stderr.lines.join("\n"));
  } finally {
    client.kill("SIGKILL");
    await client.finish();
    await ops.close();
    await server.shutdown();
  }
});
