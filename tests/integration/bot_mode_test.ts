/**
 * Bot mode (ircv3 bot-mode) over real sockets: `+B` set by the user on itself, ISUPPORT `BOT=B`,
 * the `bot` tag on its messages for `message-tags` clients only, the WHO flag and WHOIS 335.
 */
import assert from "node:assert/strict";
import { type Message, parseMessage } from "../../protocol/message.ts";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { testServer } from "../helpers/server.ts";

/** The next PRIVMSG or NOTICE `c` gets with `text`, as received. */
async function received(c: TestClient, text: string): Promise<{ line: string; m: Message }> {
  const line = await c.expectLine((l) => {
    const m = parseMessage(l);
    return (m?.command === "PRIVMSG" || m?.command === "NOTICE") && m.params[1] === text;
  });
  return { line, m: parseMessage(line)! };
}

/** Whether a line carries the `bot` tag, bare (the spec forbids a value). */
function hasBotTag(line: string): boolean {
  return /^@(?:[^ ]*;)?bot(?:;| )/.test(line);
}

Deno.test("bot mode: +B, BOT=B, the bot tag for message-tags clients only, WHO flag, WHOIS 335", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const robo = await TestClient.register(port, "robodan");
  const tagged = await TestClient.register(port, "alice", ["message-tags"]);
  const plain = await TestClient.register(port, "plain");
  try {
    assert.ok(robo.lines.some((l) => / 005 robodan .*\bBOT=B\b/.test(l)), "ISUPPORT BOT=B");
    const myinfo = parseMessage(robo.lines.find((l) => / 004 /.test(l))!)!;
    assert.ok(myinfo.params[3]!.includes("B"), "004 lists user mode B");

    // the spec's example: the bot marks itself
    await robo.send("MODE robodan +B");
    const mode = await robo.expect("MODE");
    assert.equal(mode.source, "robodan!~robodan@127.0.0.1");
    assert.deepEqual(mode.params, ["robodan", "+B"]);
    await robo.send("MODE robodan");
    assert.deepEqual((await robo.expect("221")).params, ["robodan", "+B"]);
    await tagged.send("MODE robodan -B"); // nobody sets it for someone else
    await tagged.expect("502");

    for (const c of [robo, tagged, plain]) {
      await c.send("JOIN #chat");
      await c.expect("366");
    }
    await robo.send("PRIVMSG #chat :Hello! Try typing .help to see my commands!");
    const seen = await received(tagged, "Hello! Try typing .help to see my commands!");
    assert.ok(hasBotTag(seen.line), seen.line);
    assert.equal(seen.m.tags?.bot, "");
    const bare = await received(plain, "Hello! Try typing .help to see my commands!");
    assert.equal(bare.m.tags, undefined, bare.line);

    await robo.send("NOTICE alice :a notice from a bot");
    assert.ok(hasBotTag((await received(tagged, "a notice from a bot")).line));

    // a person's messages carry no bot tag
    await plain.send("PRIVMSG #chat :I'm a human!");
    assert.ok(!hasBotTag((await received(tagged, "I'm a human!")).line));

    // WHO flags (352 and WHOX f) and WHOIS 335
    await tagged.send("WHO #chat");
    const who = await tagged.expect((m) => m.command === "352" && m.params[5] === "robodan");
    assert.equal(who.params[6], "HB@");
    await tagged.send("WHO robodan %nf");
    assert.deepEqual((await tagged.expect("354")).params, ["alice", "robodan", "HB"]);
    await tagged.send("WHOIS robodan");
    const whois = await tagged.expect((m) => m.command === "335" || m.command === "318");
    assert.deepEqual(whois.params, ["alice", "robodan", "is a bot on chat"]);

    // -B: a person again
    await robo.send("MODE robodan -B");
    assert.deepEqual((await robo.expect("MODE")).params, ["robodan", "-B"]);
    await robo.send("PRIVMSG #chat :human now");
    assert.ok(!hasBotTag((await received(tagged, "human now")).line));
    await tagged.send("WHOIS robodan");
    const after = await tagged.sync();
    assert.ok(!after.some((m) => m.command === "335"), "no 335 once -B");
  } finally {
    for (const c of [robo, tagged, plain]) await c.close();
    await server.shutdown();
  }
});
