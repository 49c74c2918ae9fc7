/**
 * draft/no-implicit-names over sockets: a connection with it gets no NAMES reply after a JOIN,
 * neither its own nor one of its user's other connections', nor for the channels it is told of
 * when it attaches to its account's user; NAMES still answers, and other connections are unchanged.
 */
import assert from "node:assert/strict";
import type { Message } from "../../protocol/message.ts";
import { names, viaSasl, withAccount } from "../helpers/accounts.ts";
import { testServer } from "../helpers/server.ts";

const isNames = (m: Message) => m.command === "353" || m.command === "366";

Deno.test("no-implicit-names: no NAMES after JOIN, on attach or from another session", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const laptop = await withAccount(port, "alice");
  try {
    await laptop.send("JOIN #a");
    await laptop.expect("366");

    const phone = await viaSasl(port, "alice", "alice", ["draft/no-implicit-names"]);
    try {
      await phone.expect("001");
      assert.deepEqual((await phone.expect("JOIN")).params, ["#a"]);
      const burst = await phone.sync();
      assert.ok(!burst.some(isNames), "attaching: the JOIN without its NAMES");

      // the laptop (without the capability) joins: it gets NAMES, the phone only the JOIN
      await laptop.send("JOIN #b");
      assert.equal((await laptop.expect("353")).params[2], "#b");
      assert.deepEqual((await phone.expect("JOIN")).params, ["#b"]);
      assert.ok(!(await phone.sync()).some(isNames), "another session's JOIN: no NAMES");

      await phone.send("JOIN #c");
      assert.deepEqual((await phone.expect("JOIN")).params, ["#c"]);
      assert.ok(!(await phone.sync()).some(isNames), "its own JOIN: no NAMES");
      assert.deepEqual(await names(phone, "#c"), ["alice"], "NAMES asked for is answered");
    } finally {
      await phone.close();
    }
  } finally {
    await laptop.close();
    await server.shutdown();
  }
});
