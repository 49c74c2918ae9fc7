/**
 * contrib/: the sample env file names every CHAT_* variable `chat serve` reads (and no other), and
 * the systemd unit passes `systemd-analyze verify` with a hardened sandbox (where systemd-analyze
 * is installed).
 */

import assert from "node:assert/strict";
import { serveCommand } from "../../cli/serve.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

Deno.test("contrib: chat.env lists every CHAT_* variable of chat serve, with its option", async () => {
  const env = await Deno.readTextFile(`${ROOT}/contrib/chat.env`);
  const listed = [...env.matchAll(/^#?(CHAT_[A-Z0-9_]+)=/gm)].map((m) => m[1]!);
  const options = serveCommand().options.filter((o) => o.envVar !== undefined);
  const expected = options.map((o) => o.envVar!);
  const missing = expected.filter((v) => !listed.includes(v));
  const stale = listed.filter((v) => !expected.includes(v));
  assert.deepEqual(missing, [], `add to contrib/chat.env: ${missing.join(", ")}`);
  assert.deepEqual(stale, [], `no such option any more, remove from contrib/chat.env: ${stale}`);
  assert.equal(new Set(listed).size, listed.length, "each variable once");
  for (const o of options) {
    assert.ok(env.includes(`# ${o.long}`), `contrib/chat.env: a comment names ${o.long}`);
  }
  // Lines systemd's EnvironmentFile= and `set -a; . chat.env` both read: comments, blanks, K=V.
  for (const line of env.split("\n")) assert.match(line, /^(#.*|[A-Z0-9_]+=\S*|)$/);
});

async function hasSystemdAnalyze(): Promise<boolean> {
  try {
    return (await new Deno.Command("systemd-analyze", { args: ["--version"], stdout: "null" })
      .output()).success;
  } catch {
    return false;
  }
}

const analyze = await hasSystemdAnalyze();
Deno.test({
  name: "contrib: chat.service verifies and its sandbox rates at most 2.0 exposure" +
    (analyze ? "" : " [IGNORED: systemd-analyze is not installed]"),
  ignore: !analyze,
  async fn() {
    const unit = await Deno.readTextFile(`${ROOT}/contrib/chat.service`);
    assert.match(unit, /^ExecStart=\/usr\/local\/bin\/chat serve$/m);
    for (
      const key of [
        "DynamicUser=yes",
        "StateDirectory=chat",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "EnvironmentFile=-/etc/chat/chat.env",
      ]
    ) {
      assert.match(unit, new RegExp(`^${key.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&")}$`, "m"));
    }
    assert.doesNotMatch(unit, /^MemoryDenyWriteExecute=yes/m, "V8's JIT needs W+X memory");
    // verify checks that ExecStart exists: point it at a binary that does.
    const dir = await Deno.makeTempDir({ prefix: "chat-unit-" });
    try {
      const path = `${dir}/chat.service`;
      await Deno.writeTextFile(
        path,
        unit.replace(/^ExecStart=\/usr\/local\/bin\/chat/m, "ExecStart=/bin/true"),
      );
      const verify = await new Deno.Command("systemd-analyze", {
        args: ["verify", path],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const said = new TextDecoder().decode(verify.stderr) +
        new TextDecoder().decode(verify.stdout);
      assert.equal(verify.code, 0, said);
      assert.equal(said.trim(), "", said);
      const security = await new Deno.Command("systemd-analyze", {
        args: ["security", "--offline=yes", path],
        stdout: "piped",
        stderr: "piped",
        env: { SYSTEMD_COLORS: "0" },
      }).output();
      const report = new TextDecoder().decode(security.stdout);
      const level = /Overall exposure level for chat\.service: ([\d.]+)/.exec(report);
      assert.ok(level, report + new TextDecoder().decode(security.stderr));
      assert.ok(Number(level[1]) <= 2.0, `exposure ${level[1]}`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
