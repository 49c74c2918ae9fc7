/**
 * `chat serve --config`: contrib/chat.toml holds exactly the options of `--help` with their
 * defaults; a file's values are parsed like flags, flags win over them, and a bad key, value or
 * TOML syntax is refused with the file, line and key named.
 */

import assert from "node:assert/strict";
import { reloadConfig, serveCommand } from "../../cli/serve.ts";
import { fileOptions } from "../../cli/config_file.ts";
import { formatSettings, maskSetting } from "../../cli/effective_config.ts";

const CONTRIB = new URL("../../contrib/chat.toml", import.meta.url).pathname;

async function withFile<T>(text: string, f: (path: string) => Promise<T>): Promise<T> {
  const path = await Deno.makeTempFile({ suffix: ".toml" });
  try {
    await Deno.writeTextFile(path, text);
    return await f(path);
  } finally {
    await Deno.remove(path);
  }
}

Deno.test("contrib/chat.toml: every option of chat serve --help is a key, and nothing else", async () => {
  const text = await Deno.readTextFile(CONTRIB);
  const listed = [...text.matchAll(/^(?:# )?([a-z][a-z0-9-]*) = /gm)].map((m) => m[1]!);
  const expected = [...fileOptions(serveCommand()).keys()];
  assert.deepEqual([...listed].sort(), [...expected].sort());
  assert.equal(new Set(listed).size, listed.length, "each key once");
  assert.ok(!expected.includes("config") && !expected.includes("print-config"));
  assert.ok(expected.includes("plain") && expected.includes("flood-control"), "positive names");
});

Deno.test("contrib/chat.toml: loading it changes nothing (every value is the default)", async () => {
  const asDefault = (await reloadConfig([])).settings;
  const fromFile = (await reloadConfig(["--config", CONTRIB])).settings;
  assert.equal(formatSettings(fromFile), formatSettings(asDefault));
});

Deno.test("config file: values parse like flags; a flag wins over the file", async () => {
  const text = [
    "port = 7001",
    'name = "file.example.org"',
    'sendq = "1m"',
    "history-max-age = 2",
    'oper = ["alice:one", "bob:two:three", "ann/moderator:a/b"]',
    'exempt = ["10.0.0.0/8", "::1/128"]',
    "plain = true",
    "flood-control = false",
    "log-messages = true",
    "permanent-channel = []",
  ].join("\n");
  await withFile(text, async (path) => {
    const { config, settings } = await reloadConfig(["--config", path, "--port", "7002"]);
    assert.equal(config.port, 7002);
    assert.equal(config.name, "file.example.org");
    assert.equal(config.limits.sendqBytes, 1024 * 1024);
    assert.equal(config.history.maxAgeMs, 2 * 24 * 3600 * 1000);
    assert.deepEqual(config.opers, [
      { name: "alice", password: "one" },
      { name: "bob", password: "two:three" },
      { name: "ann", password: "a/b", operClass: "moderator" },
    ]);
    assert.deepEqual(config.exempt, ["10.0.0.0/8", "::1/128"]);
    assert.equal(config.floodControl, false);
    assert.equal(config.logMessages, true);
    assert.deepEqual(config.permanentChannels, []);
    assert.equal(settings.get("port"), 7002);
    assert.equal(settings.get("sendq"), "1m");
    assert.equal(settings.get("history-max-age"), 2);
  });
});

Deno.test("config file: bad keys, values and syntax are named with file:line and key", async () => {
  const cases: [string, RegExp][] = [
    ["port = 6667\nprot = 1\n", /^FILE:2: prot: unknown key/],
    ["\n\nport = 70000\n", /^FILE:3: port: Expected a port number/],
    ['plain = "no"\n', /^FILE:1: plain: Expected true or false/],
    ["port = [1, 2]\n", /^FILE:1: port: Expected one value, not a list/],
    ['log-level = "loud"\n', /^FILE:1: log-level: Allowed choices are/],
    ['oper = ["nopassword"]\n', /^FILE:1: oper: Expected NAME:PASSWORD/],
    ['oper = ["ann/boss:pw"]\n', /^FILE:1: oper: Unknown oper class "boss"/],
    ["config = 'x.toml'\n", /^FILE:1: config: unknown key/],
    ["[limits]\nport = 1\n", /^FILE:1: limits: unknown key/],
    ["port = = 1\n", /^FILE:1: not TOML/],
    // a bad value is refused even where a flag overrides it
    ["port = -1\n", /^FILE:1: port: Expected a port number/],
  ];
  for (const [text, pattern] of cases) {
    await withFile(text, async (path) => {
      const err = await reloadConfig(["--config", path, "--port", "1"]).then(
        () => assert.fail(`accepted: ${text}`),
        (e: Error) => e,
      );
      assert.match(err.message.replace(path, "FILE"), pattern, text);
    });
  }
  await assert.rejects(reloadConfig(["--config", "/nonexistent.toml"]), /cannot read/);
});

Deno.test("print-config masks passwords, oper passwords, secrets and URL passwords", () => {
  assert.equal(maskSetting("password", "hunter2"), "********");
  assert.deepEqual(maskSetting("oper", ["alice:pw", "bob:a:b"]), [
    "alice:********",
    "bob:********",
  ]);
  assert.equal(maskSetting("cloak-secret", "abc"), "********");
  assert.equal(maskSetting("cluster", "redis://u:pw@h:6379/0"), "redis://u:********@h:6379/0");
  assert.equal(maskSetting("name", "chat.example.org"), "chat.example.org");
});
