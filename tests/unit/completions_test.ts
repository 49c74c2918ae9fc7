import assert from "node:assert/strict";
import { Command, Option } from "@commander-js/extra-typings";
import {
  bashScript,
  completionsCommand,
  describeCommand,
  fishScript,
  zshScript,
} from "../../cli/completions.ts";
import { bashComplete } from "../helpers/shells.ts";

/** A program shaped like chat with a subcommand the completion code has never heard of. */
function program() {
  return new Command()
    .name("chat")
    .version("1", "-V, --version")
    .addCommand(
      new Command("serve").option("-p, --port <number>", "TCP port")
        .addOption(new Option("--log-level <level>", "level").choices(["error", "info"])),
    )
    .addCommand(
      new Command("join").description("the client's: it isn't written yet")
        .argument("[host[:port]]", "server")
        .option("--nick <name>", "nickname")
        .option(
          "--channel <channel>",
          "channel to join (repeatable)",
          (v, a: string[]) => [...a, v],
          [],
        )
        .option("--insecure", "accept any certificate"),
    )
    .addCommand(completionsCommand());
}

Deno.test("completions: the tree comes from commander, later subcommands included", () => {
  const spec = describeCommand(program());
  assert.deepEqual(spec.commands.map((c) => c.name), ["serve", "join", "completions", "help"]);
  const join = spec.commands[1]!;
  assert.deepEqual(join.path, ["join"]);
  assert.deepEqual(join.options.map((o) => o.long), [
    "--nick",
    "--channel",
    "--insecure",
    "--help",
  ]);
  assert.equal(join.options[1]!.repeatable, true);
  assert.equal(join.options[2]!.value, undefined);
  assert.equal(join.arguments[0]!.value.kind, "host");
  assert.equal(join.arguments[0]!.value.optional, true);
  const help = spec.commands[3]!;
  assert.deepEqual(help.arguments[0]!.value.choices, ["serve", "join", "completions"]);
  for (const script of [bashScript(spec), zshScript(spec), fishScript(spec)]) {
    assert.ok(script.includes("join") && script.includes("--nick"), script);
  }
});

Deno.test("completions: a new subcommand and its options complete in bash without changes", async () => {
  const path = await Deno.makeTempFile({ prefix: "chat-completion-" });
  try {
    await Deno.writeTextFile(path, bashScript(describeCommand(program())));
    const [j, nick, channel, afterRepeat, values] = await bashComplete(path, [
      "chat j",
      "chat join --ni",
      "chat join --nick me --ch",
      "chat join --channel #a --channel #b --in",
      "chat serve --log-level ",
    ]);
    assert.deepEqual(j, ["join"]);
    assert.deepEqual(nick, ["--nick"]);
    assert.deepEqual(channel, ["--channel"]);
    assert.deepEqual(afterRepeat, ["--insecure"]);
    assert.deepEqual(values, ["error", "info"]);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("completions: quotes in descriptions cannot break the scripts", () => {
  const spec = describeCommand(
    new Command().name("chat").addCommand(
      new Command("x").description("it's [odd]: `$(rm -rf /)`").option("--y <v>", "don't: ]"),
    ),
  );
  const zsh = zshScript(spec);
  assert.ok(zsh.includes(`'x:it'\\''s [odd]: \`$(rm -rf /)\`'`), zsh);
  assert.ok(zsh.includes(`[don'\\''t\\: \\]]`), zsh);
  const fish = fishScript(spec);
  assert.ok(fish.includes(`-d 'it\\'s [odd]: \`$(rm -rf /)\`'`), fish);
});
