import assert from "node:assert/strict";
import { parseMessage } from "../../protocol/message.ts";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { testServer } from "../helpers/server.ts";

Deno.test("labeled-response: one reply labeled, none is ACK, several are one batch, nesting kept", async () => {
  const server = await testServer();
  const c = await TestClient.register(server.addr.port, "lab", [
    "labeled-response",
    "batch",
    "server-time",
    "message-tags",
  ]);
  try {
    await c.send("JOIN #lab");
    await c.expect("366");
    await c.send("PRIVMSG #lab :something to fetch");

    await c.send("@label=one PING :tok");
    const pong = await c.expect("PONG");
    assert.equal(pong.tags?.label, "one");

    await c.send("@label=none PONG :nothing comes back");
    const ack = await c.expect("ACK");
    assert.equal(ack.tags?.label, "none");

    await c.send("@label=many NAMES #lab");
    const start = await c.expect("BATCH");
    assert.equal(start.tags?.label, "many");
    assert.equal(start.params[1], "labeled-response");
    const id = start.params[0]!.slice(1);
    assert.equal((await c.expect("353")).tags?.batch, id);
    assert.equal((await c.expect("366")).tags?.batch, id);
    assert.deepEqual((await c.expect("BATCH")).params, [`-${id}`]);

    await c.send("@label=nested CHATHISTORY LATEST #lab * 5");
    const outer = await c.expect("BATCH");
    assert.equal(outer.tags?.label, "nested");
    const inner = await c.expect("BATCH");
    assert.equal(inner.tags?.batch, outer.params[0]!.slice(1));
    assert.equal(inner.params[1], "chathistory");
    const line = await c.expect("PRIVMSG");
    assert.equal(line.tags?.batch, inner.params[0]!.slice(1));
    assert.equal(line.params[1], "something to fetch");
    const innerEnd = await c.expect("BATCH");
    assert.equal(innerEnd.tags?.batch, outer.params[0]!.slice(1));
    const outerEnd = await c.expect("BATCH");
    assert.deepEqual(outerEnd.params, [`-${outer.params[0]!.slice(1)}`]);
    assert.equal(parseMessage(c.lines.at(-1)!)?.command, "BATCH");
  } finally {
    await c.close();
    await server.shutdown();
  }
});
