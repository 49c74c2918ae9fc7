/**
 * PROXY protocol on the IRC and TLS ports, over real sockets: a trusted proxy's header (v1 and
 * v2, TCP4 and TCP6, LOCAL and UNKNOWN) sets the address WHOIS shows and the per-IP limits count;
 * an untrusted peer's is refused with an ERROR; a bad, missing or late header closes the
 * connection.
 */

import assert from "node:assert/strict";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { testServer } from "../helpers/server.ts";
import { concatBytes, proxyV1, proxyV2 } from "../helpers/proxy_headers.ts";
import { makeCertificates, opensslMissingReason } from "../helpers/tls_certs.ts";

const enc = (s: string) => new TextEncoder().encode(s);

/** Registers `c` as `nick` and returns the host its own WHOIS shows. */
async function whoisHost(c: TestClient, nick: string): Promise<string> {
  await c.registerAs(nick);
  await c.send(`WHOIS ${nick}`);
  const reply = await c.expect("311");
  return reply.params[3]!;
}

Deno.test("PROXY v1 and v2 (TCP4, TCP6) from a trusted proxy set the address WHOIS shows", async () => {
  const server = await testServer({ proxyFrom: ["127.0.0.0/8"] });
  const port = server.addr.port;
  const cases: [string, Uint8Array, string][] = [
    ["v1 TCP4", enc(proxyV1("203.0.113.7")), "203.0.113.7"],
    ["v1 TCP6", enc(proxyV1("2001:db8::7")), "2001:db8::7"],
    ["v2 TCP4", proxyV2("198.51.100.23"), "198.51.100.23"],
    ["v2 TCP6", proxyV2("2001:db8:0:0:0:0:0:23"), "2001:db8::23"],
    ["v1 UNKNOWN", enc("PROXY UNKNOWN\r\n"), "127.0.0.1"],
    ["v2 LOCAL", proxyV2(undefined), "127.0.0.1"],
  ];
  try {
    for (const [i, [what, header, host]] of cases.entries()) {
      const c = await TestClient.connect(port);
      try {
        await c.conn.write(header);
        assert.equal(await whoisHost(c, `p${i}`), host, what);
      } finally {
        await c.close();
      }
    }
  } finally {
    await server.shutdown();
  }
});

Deno.test("PROXY: the header and the first IRC lines may arrive in one write", async () => {
  const server = await testServer({ proxyFrom: ["127.0.0.1"] });
  const c = await TestClient.connect(server.addr.port);
  try {
    await c.conn.write(concatBytes(proxyV2("192.0.2.44"), enc("NICK early\r\nUSER e 0 * :E\r\n")));
    await c.expect("001");
    await c.send("WHOIS early");
    assert.equal((await c.expect("311")).params[3], "192.0.2.44");
  } finally {
    await c.close();
    await server.shutdown();
  }
});

Deno.test("PROXY: per-IP limits count the real address, even with the proxy on exempt loopback", async () => {
  // the default --exempt frees 127.0.0.0/8, where the proxy is: its clients are still limited
  const server = await testServer({
    proxyFrom: ["127.0.0.1"],
    limits: { maxConnectionsPerIp: 2, throttleBurst: 50 },
  });
  const port = server.addr.port;
  const clients: TestClient[] = [];
  try {
    for (const nick of ["lim1", "lim2"]) {
      const c = await TestClient.connect(port);
      clients.push(c);
      await c.send(proxyV1("203.0.113.50").trimEnd());
      await c.registerAs(nick);
    }
    const third = await TestClient.connect(port);
    clients.push(third);
    await third.send(proxyV1("203.0.113.50").trimEnd());
    assert.equal(
      (await third.expect("ERROR")).params[0],
      "Closing Link: 203.0.113.50 (Too many connections from your IP)",
    );
    await third.closed();
    const other = await TestClient.connect(port); // another client behind the same proxy
    clients.push(other);
    await other.send(proxyV1("203.0.113.51").trimEnd());
    await other.registerAs("lim3");
  } finally {
    for (const c of clients) await c.close();
    await server.shutdown();
  }
});

Deno.test("PROXY: an untrusted peer sending a header (v1 or v2) is refused with an ERROR", async () => {
  const server = await testServer(); // no --proxy-from
  try {
    for (const header of [enc(proxyV1("203.0.113.9")), proxyV2("203.0.113.9")]) {
      const c = await TestClient.connect(server.addr.port);
      try {
        await c.conn.write(concatBytes(header, enc("NICK spoof\r\nUSER s 0 * :S\r\n")));
        assert.equal(
          (await c.expect("ERROR")).params[0],
          "Closing Link: 127.0.0.1 (PROXY header from an untrusted address)",
        );
        const asked = Date.now();
        await c.closed();
        assert.ok(Date.now() - asked < 1000, "closed at once");
        assert.ok(!c.lines.some((l) => / 001 /.test(l)), "never registered");
      } finally {
        await c.close();
      }
    }
  } finally {
    await server.shutdown();
  }
});

Deno.test("PROXY: a trusted peer's malformed, missing or late header closes the connection", async () => {
  const server = await testServer({
    proxyFrom: ["127.0.0.1"],
    limits: { proxyHeaderTimeoutMs: 300 },
  });
  const port = server.addr.port;
  try {
    for (
      const bad of ["PROXY TCP4 300.1.1.1 1.1.1.1 1 2", "NICK direct", "PROXY " + "x".repeat(200)]
    ) {
      const c = await TestClient.connect(port);
      try {
        await c.send(bad);
        assert.equal(
          (await c.expect("ERROR")).params[0],
          "Closing Link: 127.0.0.1 (Bad PROXY header)",
        );
        await c.closed();
      } finally {
        await c.close();
      }
    }
    // half a header, then silence: closed at the deadline, not held
    const slow = await TestClient.connect(port);
    try {
      await slow.conn.write(enc("PROXY TCP4 192.0.2.1"));
      const started = Date.now();
      await slow.closed();
      assert.ok(Date.now() - started < 3000, "closed at the header deadline");
    } finally {
      await slow.close();
    }
    assert.equal(server.connectionCount, 0);
  } finally {
    await server.shutdown();
  }
});

const missing = await opensslMissingReason();

Deno.test({
  name: "PROXY on the TLS port: the header comes before the handshake and sets the address" +
    missing,
  ignore: missing !== "",
  async fn() {
    const certs = await makeCertificates();
    const server = await testServer({
      tls: { certFile: certs.certFile, keyFile: certs.keyFile },
      tlsPort: 0,
      proxyFrom: ["127.0.0.1"],
    });
    try {
      const tcp = await Deno.connect({ hostname: "127.0.0.1", port: server.tlsAddr!.port });
      await tcp.write(proxyV2("2001:db8::99"));
      const tls = await Deno.startTls(tcp, { hostname: "127.0.0.1", caCerts: [certs.caPem] });
      const c = TestClient.wrap(tls);
      try {
        assert.equal(await whoisHost(c, "secured"), "2001:db8::99");
      } finally {
        await c.close();
      }
    } finally {
      await server.shutdown();
      await Deno.remove(certs.dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "PROXY on the TLS port from an untrusted peer: a plain ERROR line, no handshake" + missing,
  ignore: missing !== "",
  async fn() {
    const certs = await makeCertificates();
    const server = await testServer({
      tls: { certFile: certs.certFile, keyFile: certs.keyFile },
      tlsPort: 0,
    });
    try {
      const c = await TestClient.connect(server.tlsAddr!.port);
      try {
        await c.conn.write(proxyV2("203.0.113.5"));
        assert.equal(
          (await c.expect("ERROR")).params[0],
          "Closing Link: 127.0.0.1 (PROXY header from an untrusted address)",
        );
        const t0 = Date.now();
        await c.closed();
        console.log("closed after", Date.now() - t0);
      } finally {
        await c.close();
      }
      // TLS clients are untouched
      const fine = await TestClient.connectTls(server.tlsAddr!.port, [certs.caPem]);
      try {
        await fine.registerAs("fine");
      } finally {
        await fine.close();
      }
    } finally {
      await server.shutdown();
      await Deno.remove(certs.dir, { recursive: true });
    }
  },
});
