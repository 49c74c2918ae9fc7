/**
 * Oper classes: an oper given a class (`--oper NAME/CLASS:PASSWORD`) may use only its class's
 * privileges, the others answer 481 naming the privilege; an oper given no class may do all.
 */
import assert from "node:assert/strict";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { testServer } from "../helpers/server.ts";

const OPERS = [
  { name: "root", password: "pw" },
  { name: "mod", password: "pw", operClass: "moderator" },
];

async function oper(port: number, nick: string, name: string): Promise<TestClient> {
  const c = await TestClient.register(port, nick);
  await c.send(`OPER ${name} pw`);
  await c.expect("381");
  return c;
}

/** The text of the 481 that answers `line`. */
async function refusal(c: TestClient, line: string): Promise<string> {
  await c.send(line);
  return (await c.expect("481")).params[1] ?? "";
}

Deno.test("a moderator is refused KLINE, DLINE and REHASH with 481 naming the privilege, and may KILL", async () => {
  const server = await testServer({ opers: OPERS });
  const mod = await oper(server.addr.port, "moddy", "mod");
  const victim = await TestClient.register(server.addr.port, "victim");
  try {
    assert.equal(
      await refusal(mod, "DLINE 10.0.0.1 :no"),
      "Permission Denied - you need the dline privilege",
    );
    assert.equal(
      await refusal(mod, "UNDLINE 10.0.0.1"),
      "Permission Denied - you need the dline privilege",
    );
    assert.equal(await refusal(mod, "REHASH"), "Permission Denied - you need the rehash privilege");
    await mod.send("KLINE *@evil.example :no");
    assert.match((await mod.expect("NOTICE")).params[1] ?? "", /^Added permanent K-line/);
    await mod.send("KILL victim :bye");
    const kill = await victim.expect("KILL");
    assert.deepEqual(kill.params, ["victim", "bye"]);
    await victim.closed();
  } finally {
    await mod.close();
    await victim.close();
    await server.shutdown();
  }
});

Deno.test("an oper whose class lacks kline is refused KLINE and UNKLINE with 481 naming it, and may KILL", async () => {
  const server = await testServer({
    opers: [{ name: "helper", password: "pw", operClass: "kill+wallops" }],
  });
  const helper = await oper(server.addr.port, "helpy", "helper");
  const victim = await TestClient.register(server.addr.port, "victim");
  try {
    for (const line of ["KLINE *@evil.example :no", "UNKLINE *@evil.example"]) {
      assert.equal(await refusal(helper, line), "Permission Denied - you need the kline privilege");
    }
    await helper.send("KILL victim :bye");
    assert.deepEqual((await victim.expect("KILL")).params, ["victim", "bye"]);
    await victim.closed();
  } finally {
    await helper.close();
    await victim.close();
    await server.shutdown();
  }
});

Deno.test("an oper given no class (NAME:PASSWORD) may KILL, KLINE, DLINE, WALLOPS and REHASH", async () => {
  const server = await testServer({ opers: OPERS });
  const root = await oper(server.addr.port, "rooty", "root");
  const victim = await TestClient.register(server.addr.port, "victim");
  try {
    await root.send("KLINE *@evil.example :no");
    assert.match((await root.expect("NOTICE")).params[1] ?? "", /^Added permanent K-line/);
    await root.send("DLINE 10.9.9.9 :no");
    assert.match((await root.expect("NOTICE")).params[1] ?? "", /^Added permanent D-line/);
    await root.send("WALLOPS :hello opers");
    assert.equal((await root.expect("WALLOPS")).params[0], "hello opers");
    await root.send("REHASH"); // allowed: 382, then this test server has no file to read
    await root.expect("382");
    await root.send("KILL victim :bye");
    await victim.expect("KILL");
  } finally {
    await root.close();
    await victim.close();
    await server.shutdown();
  }
});

Deno.test("a privilege counts only while +o: after MODE -o the oper is refused as a user", async () => {
  const server = await testServer({ opers: OPERS });
  const root = await oper(server.addr.port, "rooty", "root");
  try {
    await root.send("MODE rooty -o");
    await root.expect("MODE");
    assert.equal(await refusal(root, "REHASH"), "Permission Denied- You're not an IRC operator");
  } finally {
    await root.close();
    await server.shutdown();
  }
});
