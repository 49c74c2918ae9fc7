/**
 * `chat serve --config` through the real main.ts: a file's values take effect, a flag and a
 * CHAT_* variable win over it, `--print-config` masks secrets, and a bad file is one error line
 * naming file:line and key.
 */

import assert from "node:assert/strict";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { ChatProcess } from "../../scripts/support/process.ts";

Deno.test("main.ts serve --config: the file's values apply, under flags and variables", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat-config-" });
  await Deno.writeTextFile(`${dir}/motd.txt`, "MOTD from the file's key\n");
  await Deno.writeTextFile(
    `${dir}/chat.toml`,
    [
      'name = "file.example.org"',
      'network = "FileNet"',
      `motd = "${dir}/motd.txt"`,
      "max-channels = 7",
      "max-targets = 9",
    ].join("\n"),
  );
  const { process: server, port } = await ChatProcess.serve(
    ["--config", `${dir}/chat.toml`, "--max-targets", "3"],
    { CHAT_NETWORK: "EnvNet" },
  );
  const c = await TestClient.register(port, "filer");
  try {
    assert.ok(c.lines[0]!.startsWith(":file.example.org 001 filer "), c.lines[0]);
    const isupport = c.lines.filter((l) => / 005 /.test(l)).join(" ");
    assert.match(isupport, / NETWORK=EnvNet /, "the variable wins over the file");
    assert.match(isupport, / CHANLIMIT=#:7 /, "the file's value");
    assert.match(isupport, /PRIVMSG:3/, "the flag wins over the file");
    assert.ok(c.lines.includes(":file.example.org 372 filer :- MOTD from the file's key"));
  } finally {
    await c.close();
    server.kill("SIGTERM");
    assert.equal((await server.finish()).code, 0);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("main.ts serve --print-config: effective settings as TOML, secrets masked", async () => {
  const file = await Deno.makeTempFile({ suffix: ".toml" });
  await Deno.writeTextFile(
    file,
    'password = "hunter2"\noper = ["alice:opersecret"]\nflood-burst = 4\n',
  );
  try {
    const { code, stdout, stderr } = await ChatProcess.start(
      ["serve", "--config", file, "--print-config", "--flood-rate", "0.5"],
      { CHAT_MAX_SESSIONS: "3" },
    ).finish();
    assert.equal(code, 0, stderr);
    assert.ok(!stdout.includes("hunter2") && !stdout.includes("opersecret"), stdout);
    const lines = stdout.split("\n");
    for (
      const line of [
        'password = "********"',
        'oper = ["alice:********"]',
        "flood-burst = 4",
        "flood-rate = 0.5",
        "max-sessions = 3",
        "port = 6667",
        "plain = true",
        "# tls-cert = (not set)",
      ]
    ) assert.ok(lines.includes(line), `${line} in:\n${stdout}`);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("main.ts serve --config: a bad key or value is one line naming file:line and key", async () => {
  const file = await Deno.makeTempFile({ suffix: ".toml" });
  try {
    for (
      const [text, pattern] of [
        ["port = 6667\nflood-brust = 3\n", /^error: FILE:2: flood-brust: unknown key/],
        ["\nmax-channels = -4\n", /^error: FILE:2: max-channels: Expected a whole number/],
      ] as const
    ) {
      await Deno.writeTextFile(file, text);
      const { code, stderr } = await ChatProcess.start(["serve", "--config", file]).finish();
      assert.notEqual(code, 0);
      const lines = stderr.trim().split("\n");
      assert.equal(lines.length, 1, stderr);
      assert.match(lines[0]!.replace(file, "FILE"), pattern);
    }
  } finally {
    await Deno.remove(file);
  }
});
