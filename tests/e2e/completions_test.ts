/**
 * `chat completions bash|zsh|fish` from the real main.ts, loaded into real shells. bash runs
 * everywhere the tests run; zsh and fish tests are ignored (saying so) where those shells are
 * missing.
 */

import assert from "node:assert/strict";
import { bashComplete, fishComplete, hasShell, zshComplete } from "../helpers/shells.ts";
import { ChatProcess } from "../../scripts/support/process.ts";

async function script(shell: string): Promise<{ path: string; text: string }> {
  const { code, stdout, stderr } = await ChatProcess.start(["completions", shell]).finish();
  assert.equal(code, 0, stderr);
  const path = await Deno.makeTempFile({ prefix: `chat-completion-${shell}-` });
  await Deno.writeTextFile(path, stdout);
  return { path, text: stdout };
}

Deno.test("completions bash: the function completes subcommands, options, values and files", async () => {
  const { path } = await script("bash");
  const dir = await Deno.makeTempDir({ prefix: "chat-files-" });
  await Deno.writeTextFile(`${dir}/motd.txt`, "hi\n");
  try {
    const [se, all, po, level, levelEq, afterValue, serveEmpty, shells, help, motd] =
      await bashComplete(path, [
        "chat se",
        "chat ",
        "chat serve --po",
        "chat serve --log-level ",
        "chat serve --log-level=w",
        "chat serve -p 6667 --name x --log-level i",
        "chat serve ",
        "chat completions ",
        "chat help s",
        `chat serve --motd ${dir}/mo`,
      ]);
    assert.deepEqual(se, ["serve"]);
    assert.ok(all.includes("serve") && all.includes("completions"), all.join(" "));
    assert.deepEqual(po, ["--port"]);
    assert.deepEqual(level, ["error", "warn", "info", "debug"]);
    assert.deepEqual(levelEq, ["warn"]);
    assert.deepEqual(afterValue, ["info"]);
    assert.ok(
      serveEmpty.includes("--host") && serveEmpty.includes("--log-level"),
      serveEmpty.join(" "),
    );
    assert.deepEqual(shells, ["bash", "zsh", "fish"]);
    assert.deepEqual(help, ["serve"]);
    assert.deepEqual(motd, [`${dir}/motd.txt`]);
  } finally {
    await Deno.remove(path);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("completions: an unknown shell is a one-line error", async () => {
  const { code, stderr } = await ChatProcess.start(["completions", "tcsh"]).finish();
  assert.notEqual(code, 0);
  assert.equal(stderr.trim().split("\n").length, 1, stderr);
  assert.match(stderr, /'tcsh' is invalid.*Allowed choices are bash, zsh, fish/);
});

const zsh = await hasShell("zsh");
Deno.test({
  name: "completions zsh: zsh's completion system offers subcommands, options and values" +
    (zsh ? "" : " [IGNORED: zsh is not installed]"),
  ignore: !zsh,
  async fn() {
    const { path } = await script("zsh");
    try {
      const [se, po, level, help] = await zshComplete(path, [
        "chat se",
        "chat serve --po",
        "chat serve --log-level ",
        "chat help ",
      ]);
      assert.ok(se.includes("serve"), se.join(" "));
      assert.ok(po.includes("--port"), po.join(" "));
      assert.deepEqual(level.filter((m) => /^[a-z]+$/.test(m)), ["error", "warn", "info", "debug"]);
      assert.ok(help.includes("serve") && help.includes("completions"), help.join(" "));
    } finally {
      await Deno.remove(path);
    }
  },
});

const fish = await hasShell("fish");
Deno.test({
  name: "completions fish: complete -C offers subcommands, options and values" +
    (fish ? "" : " [IGNORED: fish is not installed]"),
  ignore: !fish,
  async fn() {
    const { path } = await script("fish");
    try {
      const [se, po, level, after, shells] = await fishComplete(path, [
        "chat se",
        "chat serve --po",
        "chat serve --log-level ",
        "chat serve -p 1 --log-level w",
        "chat completions ",
      ]);
      assert.deepEqual(se, ["serve"]);
      assert.deepEqual(po, ["--port"]);
      assert.deepEqual(level.toSorted(), ["debug", "error", "info", "warn"]);
      assert.deepEqual(after, ["warn"]);
      assert.deepEqual(shells.toSorted(), ["bash", "fish", "zsh"]);
    } finally {
      await Deno.remove(path);
    }
  },
});
