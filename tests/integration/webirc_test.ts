/**
 * WEBIRC over real sockets: a trusted gateway with its password names its user's address (WHOIS
 * shows it, the per-IP limits count it); a wrong password, or any address outside the gateway's
 * ranges, ends the connection with an ERROR.
 */

import assert from "node:assert/strict";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { testServer } from "../helpers/server.ts";

const kiwi = { name: "kiwi", password: "hunter2:with@signs", ranges: ["127.0.0.1"] };

Deno.test("WEBIRC from a trusted gateway with its password sets the address WHOIS shows", async () => {
  const server = await testServer({ webirc: [kiwi] });
  const c = await TestClient.connect(server.addr.port);
  try {
    await c.send("WEBIRC hunter2:with@signs kiwiirc host.example 2001:DB8::42 :secure");
    await c.registerAs("webuser");
    await c.send("WHOIS webuser");
    const replies = await c.sync();
    assert.equal(replies.find((m) => m.command === "311")?.params[3], "2001:db8::42");
    assert.ok(replies.some((m) => m.command === "671"), "secure, from a loopback gateway");
    await c.send("WEBIRC hunter2:with@signs kiwiirc h 192.0.2.1");
    assert.equal((await c.expect("462")).params[1], "You may not reregister");
  } finally {
    await c.close();
    await server.shutdown();
  }
});

Deno.test("WEBIRC with a wrong password closes the connection with an ERROR", async () => {
  const server = await testServer({ webirc: [kiwi] });
  const c = await TestClient.connect(server.addr.port);
  try {
    await c.send("WEBIRC hunter3 kiwiirc host.example 203.0.113.80");
    await c.send("NICK guess");
    assert.equal(
      (await c.expect("ERROR")).params[0],
      "Closing Link: 127.0.0.1 (WEBIRC password incorrect)",
    );
    await c.closed();
    assert.ok(!c.lines.some((l) => / 001 /.test(l)));
  } finally {
    await c.close();
    await server.shutdown();
  }
});

Deno.test("WEBIRC from an address no gateway holds is refused with an ERROR", async () => {
  for (const webirc of [[], [{ ...kiwi, ranges: ["10.0.0.0/8"] }]]) {
    const server = await testServer({ webirc });
    const c = await TestClient.connect(server.addr.port);
    try {
      await c.send("WEBIRC hunter2:with@signs kiwiirc host.example 203.0.113.80");
      assert.equal(
        (await c.expect("ERROR")).params[0],
        "Closing Link: 127.0.0.1 (WEBIRC from an untrusted address)",
      );
      await c.closed();
    } finally {
      await c.close();
      await server.shutdown();
    }
  }
});

Deno.test("WEBIRC: the per-IP limits count the gateway's users, not the gateway", async () => {
  const server = await testServer({
    webirc: [kiwi],
    exempt: [], // loopback is limited like anyone: only the gateway's range is exempt
    limits: { maxConnectionsPerIp: 1, throttleBurst: 50 },
  });
  const port = server.addr.port;
  const clients: TestClient[] = [];
  try {
    const join = async (ip: string) => {
      const c = await TestClient.connect(port);
      clients.push(c);
      await c.send(`WEBIRC hunter2:with@signs kiwiirc h ${ip}`);
      return c;
    };
    await (await join("203.0.113.90")).registerAs("first");
    const again = await join("203.0.113.90");
    assert.equal(
      (await again.expect("ERROR")).params[0],
      "Closing Link: 127.0.0.1 (Too many connections from your IP)",
    );
    await (await join("203.0.113.91")).registerAs("second"); // the gateway itself is not limited
  } finally {
    for (const c of clients) await c.close();
    await server.shutdown();
  }
});

Deno.test("a WEBIRC user whose own address is D-lined is closed at its welcome", async () => {
  const server = await testServer({ webirc: [kiwi], opers: [{ name: "root", password: "pw" }] });
  const oper = await TestClient.register(server.addr.port, "root");
  const c = await TestClient.connect(server.addr.port);
  try {
    await oper.send("OPER root pw");
    await oper.expect("381");
    await oper.send("DLINE 203.0.113.0/24 :abuse from there");
    await oper.send("STATS d");
    await oper.expect((m) => m.command === "250" && m.params.includes("203.0.113.0/24"));
    // the gateway itself (loopback) is not banned: only the address it names
    await c.send("WEBIRC hunter2:with@signs kiwiirc host.example 203.0.113.80");
    await c.send("NICK banned\r\nUSER u 0 * :u");
    assert.match((await c.expect("ERROR")).params[0]!, /D-lined/);
    await c.closed();
    assert.ok(!c.lines.some((l) => / 001 /.test(l)), "never welcomed");
  } finally {
    await c.close();
    await oper.close();
    await server.shutdown();
  }
});
