import assert from "node:assert/strict";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { ChatProcess } from "../../scripts/support/process.ts";

Deno.test("main.ts serve: IRC and plain-text users chat, logs show connects, SIGTERM exits 0", async () => {
  const motd = await Deno.makeTempFile();
  await Deno.writeTextFile(motd, "Hello from the MOTD\n");
  const { process: server, port } = await ChatProcess.serve(
    ["--name", "e2e.test", "--motd", motd, "--log-messages"],
  );
  const irc = await TestClient.register(port, "alice");
  const nc = await TestClient.connect(port);
  try {
    await server.waitFor(/info\s+127\.0\.0\.1:\d+ connected/);
    assert.ok(irc.lines.some((l) => l === ":e2e.test 372 alice :- Hello from the MOTD"));
    await irc.send("JOIN #lobby");
    await irc.expect("366");
    await nc.send("bob");
    await nc.expectLine((l) => l.includes("* You joined #lobby"));
    await nc.send("hi alice");
    assert.deepEqual((await irc.expect("PRIVMSG")).params, ["#lobby", "hi alice"]);
    await server.waitFor(/PRIVMSG bob -> #lobby: hi alice/);
    await irc.send("PRIVMSG #lobby :hi bob");
    await nc.expectLine((l) => l.endsWith("<alice> hi bob"));

    server.kill("SIGTERM");
    assert.match((await irc.expect("ERROR")).params[0]!, /Server shutting down/);
    await nc.expectLine((l) => l === "*** Disconnected: Server shutting down");
    await irc.closed();
    await nc.closed();
    const { code, stderr } = await server.finish();
    assert.equal(code, 0);
    assert.match(stderr, /127\.0\.0\.1:\d+ disconnected \(alice\): Server shutting down/);
  } finally {
    server.kill("SIGKILL");
    await irc.close();
    await nc.close();
    await Deno.remove(motd);
  }
});

Deno.test("main.ts serve: options also come from CHAT_* variables", async () => {
  const { process: server, port } = await ChatProcess.serve([], { CHAT_NAME: "env.example" });
  const c = await TestClient.register(port, "envy");
  try {
    assert.ok(c.lines[0]!.startsWith(":env.example 001 envy "), c.lines[0]);
  } finally {
    await c.close();
    server.kill("SIGTERM");
    assert.equal((await server.finish()).code, 0);
  }
});

Deno.test("main.ts serve: bad option values exit non-zero with one line", async () => {
  const cases: [string[], RegExp][] = [
    [
      ["serve", "--port", "99999"],
      /^error: option '-p, --port <number>' argument '99999' is invalid/,
    ],
    [
      ["serve", "--log-level", "loud"],
      /^error: option '--log-level <level>' argument 'loud' is invalid/,
    ],
    [["serve", "--motd", "/nonexistent/motd"], /^error: cannot read MOTD file \/nonexistent\/motd/],
    [["serve", "--oper", "nopassword"], /Expected NAME:PASSWORD/],
    [["serve", "--sendq", "12q"], /Expected a size/],
  ];
  for (const [args, pattern] of cases) {
    const { code, stderr } = await ChatProcess.start(args).finish();
    assert.notEqual(code, 0, args.join(" "));
    const lines = stderr.trim().split("\n");
    assert.equal(lines.length, 1, `${args.join(" ")}: ${stderr}`);
    assert.match(lines[0]!, pattern);
  }
});

Deno.test("main.ts serve: a port in use is a one-line error", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const { code, stderr } = await ChatProcess.start(
      ["serve", "--port", String((taken.addr as Deno.NetAddr).port)],
    ).finish();
    assert.equal(code, 1);
    assert.match(stderr.trim(), /^error: cannot listen on 127\.0\.0\.1:\d+: .*[Aa]ddr.* in use/);
    assert.equal(stderr.trim().split("\n").length, 1);
  } finally {
    taken.close();
  }
});

Deno.test("main.ts: --version, --help and a suggestion for a typo", async () => {
  const version = await ChatProcess.start(["--version"]).finish();
  assert.match(version.stdout, /^chat \d+\.\d+\.\d+ \(deno \d+\.\d+\.\d+, [\w-]+\)\n$/);
  const help = await ChatProcess.start(["serve", "--help"]).finish();
  for (
    const env of [
      "CHAT_HOST",
      "CHAT_PORT",
      "CHAT_NAME",
      "CHAT_MOTD",
      "CHAT_LOG_LEVEL",
      "CHAT_LOG_MESSAGES",
    ]
  ) {
    assert.ok(help.stdout.includes(env), env);
  }
  const typo = await ChatProcess.start(["serv"]).finish();
  assert.notEqual(typo.code, 0);
  assert.match(typo.stderr, /Did you mean serve\?/);
});
