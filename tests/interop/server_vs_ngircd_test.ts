/**
 * Differential test: the same command sequences sent to ngIRCd (Debian) and to chat must get the
 * same replies (the numerics, in order). This checks our reading of the RFC against a server
 * nobody here wrote.
 */
import assert from "node:assert/strict";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { type PeerServer, startNgircd } from "../../scripts/support/peers.ts";
import { testServer } from "../helpers/server.ts";

/** [what is checked, lines the probe sends]; `other` created #d (op, +nt) first. */
const SCENARIOS: [string, string[]][] = [
  ["private message to a missing nick", ["PRIVMSG nobody :x"]],
  ["no recipient / no text", ["PRIVMSG", "PRIVMSG other"]],
  ["unknown command", ["FOOBAR"]],
  ["missing parameters", ["JOIN"]],
  ["nick in use", ["NICK other"]],
  ["erroneous nick", ["NICK 9bad"]],
  ["part a missing channel", ["PART #nochan"]],
  ["part a channel one is not on", ["PART #d"]],
  ["send to +n channel from outside", ["PRIVMSG #d :x"]],
  ["join, then topic query", ["JOIN #d", "TOPIC #d"]],
  ["topic set without op on +t", ["JOIN #d", "TOPIC #d :mine"]],
  ["kick without op", ["JOIN #d", "KICK #d other"]],
  ["unknown channel mode", ["JOIN #d", "MODE #d +Z"]],
  ["mode change without op", ["JOIN #d", "MODE #d +m"]],
  ["whois a missing nick", ["WHOIS nobody"]],
  ["away and back", ["AWAY :out", "AWAY"]],
  ["ison", ["ISON other nobody"]],
  ["invite a missing nick", ["JOIN #d", "INVITE nobody #d"]],
  ["user mode of another user", ["MODE other +i"]],
  ["names of a channel", ["NAMES #d"]],
  ["ping", ["PING :token"]],
];

/** Replies to each line, as commands, with the channel-join noise of NAMES kept. */
async function replies(port: number, lines: string[]): Promise<string[][]> {
  const other = await TestClient.register(port, "other");
  const probe = await TestClient.register(port, "probe");
  try {
    await other.send("JOIN #d");
    await other.expect("366");
    await other.send("MODE #d +nt"); // ngIRCd creates channels without them; we with them
    await other.sync();
    const out: string[][] = [];
    for (const line of lines) {
      await probe.send(line);
      const got = (await probe.sync()).map((m) => m.command);
      out.push(got);
    }
    return out;
  } finally {
    await other.close();
    await probe.close();
  }
}

Deno.test({
  name: "chat answers like ngIRCd for common commands and errors",
  async fn(t) {
    let ngircd: PeerServer | undefined;
    const chat = await testServer();
    try {
      ngircd = await startNgircd();
      for (const [what, lines] of SCENARIOS) {
        await t.step(what, async () => {
          const theirs = await replies(ngircd!.port, lines);
          const ours = await replies(chat.addr.port, lines);
          assert.deepEqual(ours, theirs, `${lines.join(" / ")}`);
        });
      }
    } finally {
      await ngircd?.stop();
      await chat.shutdown();
    }
  },
});
