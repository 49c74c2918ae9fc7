/**
 * Server bans are kept in the database: a K-line set before a restart of the real server process
 * still refuses a matching user after it (465), disconnects one that logs in to a banned account
 * after registering, and STATS k still lists it.
 */
import assert from "node:assert/strict";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { ChatProcess } from "../../scripts/support/process.ts";

async function stop(server: ChatProcess): Promise<void> {
  server.kill("SIGTERM");
  assert.equal((await server.finish()).code, 0);
}

async function oper(port: number): Promise<TestClient> {
  const boss = await TestClient.register(port, "boss");
  await boss.send("OPER root secret");
  await boss.expect("381");
  return boss;
}

Deno.test("a KLINE survives a restart of the server and disconnects a matching user after it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat-kline-" });
  const args = ["--db", `${dir}/chat.db`, "--oper", "root:secret"];
  let { process: server, port } = await ChatProcess.serve(args);
  const clients: TestClient[] = [];
  try {
    const boss = await oper(port);
    const alice = await TestClient.register(port, "alice");
    clients.push(boss, alice);
    await alice.send("NS REGISTER wonderland");
    await alice.expect("900");
    await boss.send("KLINE $a:alice :account banned");
    assert.match((await alice.expect("ERROR")).params[0]!, /K-lined: account banned/);
    await boss.send("KLINE 1d ~bob@* :bob banned");
    await boss.expect((m) => m.command === "NOTICE" && /~bob@\*/.test(m.params[1]!));
    await stop(server);

    ({ process: server, port } = await ChatProcess.serve(args));
    // bob is refused at registration
    const bob = await TestClient.connect(port);
    clients.push(bob);
    await bob.send("NICK bob");
    await bob.send("USER bob 0 * :bob");
    const refused = await bob.expect((m) => m.command === "465" || m.command === "001");
    assert.equal(refused.command, "465");
    assert.match((await bob.expect("ERROR")).params[0]!, /K-lined: bob banned/);
    await bob.closed();
    // alice registers without her account, then logs in to it: disconnected
    const back = await TestClient.register(port, "alice");
    clients.push(back);
    await back.send("NS IDENTIFY alice wonderland");
    const answer = await back.expect((m) => m.command === "465" || m.command === "900");
    assert.equal(answer.command, "465");
    assert.match((await back.expect("ERROR")).params[0]!, /K-lined: account banned/);
    await back.closed();
    const boss2 = await oper(port);
    clients.push(boss2);
    await boss2.send("STATS k");
    const listed = [(await boss2.expect("216")).params, (await boss2.expect("216")).params];
    assert.deepEqual(listed.map((p) => [p[2], p[3], p[5]]), [
      ["$a:alice", "boss", "account banned"],
      ["~bob@*", "boss", "bob banned"],
    ]);
    assert.ok(Number(listed[1]![4]) > 86_000, "its day is still running");
    await boss2.expect("219");
  } finally {
    for (const c of clients) await c.close();
    await stop(server);
    await Deno.remove(dir, { recursive: true });
  }
});
