/**
 * A bot built on python3-irc (a library nobody here wrote) chats with one of our clients through
 * chat: registration, nick collision, channel and private messages, NAMES, QUIT.
 */
import assert from "node:assert/strict";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { testServer } from "../helpers/server.ts";

const BOT = new URL("./peers/python_irc_bot.py", import.meta.url).pathname;

Deno.test("python3-irc bot and a chat client talk in a channel and privately", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const us = await TestClient.register(port, "pybot"); // takes the bot's nick first
  await us.send("JOIN #interop");
  await us.expect("366");
  const bot = new Deno.Command("/usr/bin/python3", {
    args: [BOT, String(port), "pybot", "#interop"],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  try {
    const join = await us.expect("JOIN");
    assert.equal(join.source?.split("!")[0], "pybot_", "the bot picked an alternative nick");
    const hello = await us.expect("PRIVMSG");
    assert.deepEqual(hello.params, ["#interop", "hello from python"]);
    await us.send("PRIVMSG #interop :ping?");
    assert.equal((await us.expect("PRIVMSG")).params[1], "pong!");
    await us.send("PRIVMSG pybot_ :a secret");
    assert.deepEqual((await us.expect("PRIVMSG")).params, ["pybot", "got your secret"]);
    await us.send("PRIVMSG #interop :bye bot");
    const quit = await us.expect("QUIT");
    assert.equal(quit.params[0], "Quit: bot done");
    const { code, stdout, stderr } = await bot.output();
    const out = new TextDecoder().decode(stdout);
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    assert.match(out, /^NICKINUSE pybot$/m);
    assert.match(out, /^WELCOME pybot_$/m);
    assert.match(out, /^NAMES .*@pybot\b/m);
    assert.match(out, /^PUBMSG pybot ping\?$/m);
    assert.match(out, /^PRIVMSG pybot a secret$/m);
    assert.match(out, /^DISCONNECTED$/m);
  } finally {
    try {
      bot.kill("SIGKILL");
    } catch { /* exited */ }
    await bot.status;
    await us.close();
    await server.shutdown();
  }
});
