/**
 * IRCv3 STS over real sockets: with TLS configured, a plain-text connection is told the TLS port
 * (`sts=port=`), a TLS connection the duration (`sts=duration=`); without TLS there is no `sts`;
 * a withdrawn policy (duration 0) is `duration=0` over TLS and absent over plain text; and `sts`
 * cannot be requested.
 */

import assert from "node:assert/strict";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { testServer } from "../helpers/server.ts";
import { capLs } from "../helpers/cap_ls.ts";
import { makeCertificates, opensslMissingReason } from "../helpers/tls_certs.ts";

const missing = await opensslMissingReason();

Deno.test("STS: no sts capability without TLS", async () => {
  const server = await testServer();
  const c = await TestClient.connect(server.addr.port);
  try {
    const caps = await capLs(c);
    assert.ok(caps.has("sasl"));
    assert.equal(caps.has("sts"), false);
  } finally {
    await c.close();
    await server.shutdown();
  }
});

Deno.test({
  name: "STS: plain text gets sts=port=<TLS port>, TLS gets sts=duration=; REQ sts is NAKed" +
    missing,
  ignore: missing !== "",
  async fn() {
    const certs = await makeCertificates();
    const server = await testServer({
      tls: { certFile: certs.certFile, keyFile: certs.keyFile },
      tlsPort: 0,
      stsDurationS: 7 * 24 * 3600,
    });
    const clients: TestClient[] = [];
    try {
      const plain = await TestClient.connect(server.addr.port);
      clients.push(plain);
      assert.equal((await capLs(plain)).get("sts"), `port=${server.tlsAddr!.port}`);
      const secure = await TestClient.connectTls(server.tlsAddr!.port, [certs.caPem]);
      clients.push(secure);
      assert.equal((await capLs(secure)).get("sts"), "duration=604800");
      // a 301 client sees the name only, on one line (it knows no continuation)
      await secure.send("CAP LS");
      const ls301 = (await secure.sync()).filter((m) =>
        m.command === "CAP" && m.params[1] === "LS"
      );
      assert.equal(ls301.length, 1);
      assert.ok(ls301[0]!.params.at(-1)!.split(" ").includes("sts"));
      for (const c of [plain, secure]) {
        await c.send("CAP REQ sts");
        const nak = await c.expect((m) => m.command === "CAP" && m.params[1] !== "LS");
        assert.deepEqual(nak.params.slice(1), ["NAK", "sts"]);
      }
    } finally {
      for (const c of clients) await c.close();
      await server.shutdown();
      await Deno.remove(certs.dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "STS: a withdrawn policy (duration 0) is duration=0 over TLS, absent over plain text" +
    missing,
  ignore: missing !== "",
  async fn() {
    const certs = await makeCertificates();
    const server = await testServer({
      tls: { certFile: certs.certFile, keyFile: certs.keyFile },
      tlsPort: 0,
      stsDurationS: 0,
    });
    const clients: TestClient[] = [];
    try {
      const plain = await TestClient.connect(server.addr.port);
      clients.push(plain);
      assert.equal((await capLs(plain)).has("sts"), false);
      const secure = await TestClient.connectTls(server.tlsAddr!.port, [certs.caPem]);
      clients.push(secure);
      assert.equal((await capLs(secure)).get("sts"), "duration=0");
    } finally {
      for (const c of clients) await c.close();
      await server.shutdown();
      await Deno.remove(certs.dir, { recursive: true });
    }
  },
});
