/**
 * An always-on user survives a restart of the real server process: it is back in its channel's
 * NAMES, away, takes private messages (no 401), and its next session catches up on what was said
 * before and after the restart while it had none.
 */
import assert from "node:assert/strict";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { ChatProcess } from "../../scripts/support/process.ts";
import { viaSasl } from "../helpers/accounts.ts";

async function stop(server: ChatProcess): Promise<void> {
  server.kill("SIGTERM");
  assert.equal((await server.finish()).code, 0);
}

Deno.test("always-on: the user is back after a restart, in NAMES and away, and catches up", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat-ao-" });
  const db = `${dir}/chat.db`;
  let { process: server, port } = await ChatProcess.serve(["--db", db]);
  const clients: TestClient[] = [];
  try {
    const alice = await TestClient.register(port, "alice");
    const bob = await TestClient.register(port, "bob");
    clients.push(alice, bob);
    await alice.send("NS REGISTER wonderland");
    await alice.expect("900");
    for (const c of [alice, bob]) {
      await c.send("JOIN #room");
      await c.expect((m) => m.command === "366" && m.params[1] === "#room");
    }
    await alice.send("QUIT :off to bed");
    await alice.closed();
    await bob.send("PRIVMSG #room :said before the restart");
    await bob.sync();
    await bob.close();
    await stop(server);

    ({ process: server, port } = await ChatProcess.serve(["--db", db]));
    const carol = await TestClient.register(port, "carol");
    clients.push(carol);
    await carol.send("NAMES #room");
    const names = await carol.expect("353");
    assert.deepEqual(names.params.slice(2), ["#room", "@alice"], "back, with her status");
    await carol.send("JOIN #room");
    await carol.expect((m) => m.command === "366" && m.params[1] === "#room");
    await carol.send("PRIVMSG alice :hello after the restart");
    const away = await carol.expect((m) => m.command === "301" || m.command === "401");
    assert.deepEqual([away.command, away.params[2]], ["301", "Disconnected"]);
    await carol.send("PRIVMSG #room :said after the restart");
    await carol.sync();

    const back = await viaSasl(
      port,
      "alice",
      "alice_laptop",
      ["batch", "server-time"],
      "wonderland",
    );
    clients.push(back);
    assert.equal((await back.expect("001")).params[0], "alice");
    await back.expect((m) => m.command === "366" && m.params[1] === "#room");
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const m = await back.expect("PRIVMSG");
      seen.push(`${m.params[0]} ${m.params[1]}`);
      assert.ok(m.tags?.time, "replayed with its time");
    }
    assert.deepEqual(seen, [
      "#room said before the restart",
      "#room said after the restart",
      "alice hello after the restart",
    ]);
  } finally {
    for (const c of clients) await c.close();
    await stop(server);
    await Deno.remove(dir, { recursive: true });
  }
});
