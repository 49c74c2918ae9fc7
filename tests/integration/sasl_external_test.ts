/**
 * SASL EXTERNAL with TLS client certificates over real sockets (certificates made by openssl):
 * the TLS port asks for a certificate without requiring one; `NickServ CERT ADD` (the
 * connection's own, or a fingerprint given), `CERT LIST` and `CERT DEL` keep an account's
 * fingerprints; a connection presenting one logs in to its account with EXTERNAL, others get 904;
 * WHOIS shows the fingerprint (276) to its holder and opers only.
 */

import assert from "node:assert/strict";
import type { Message } from "../../protocol/message.ts";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { testServer } from "../helpers/server.ts";
import { capLs } from "../helpers/cap_ls.ts";
import {
  type ClientCertificate,
  makeCertificates,
  makeClientCertificate,
  opensslMissingReason,
} from "../helpers/tls_certs.ts";

const missing = await opensslMissingReason();

const hex = (fingerprint: string) => fingerprint.replaceAll(":", "").toLowerCase();

/** NickServ's answer (every NOTICE up to the next PONG), as text. */
async function nickserv(c: TestClient, command: string): Promise<string[]> {
  await c.send(`PRIVMSG NickServ :${command}`);
  const lines = await c.sync();
  return lines.filter((m: Message) => m.command === "NOTICE").map((m) => m.params[1]!);
}

/** AUTHENTICATE EXTERNAL on a connection holding registration: the numeric it ends with. */
async function external(c: TestClient, authzid = ""): Promise<Message> {
  await c.send("CAP REQ sasl");
  await c.expect((m) => m.command === "CAP" && m.params[1] === "ACK");
  await c.send("AUTHENTICATE EXTERNAL");
  const first = await c.expect((m) => m.command === "AUTHENTICATE" || m.command === "904");
  if (first.command === "904") return first;
  await c.send(`AUTHENTICATE ${authzid === "" ? "+" : btoa(authzid)}`);
  return await c.expect((m) => m.command === "903" || m.command === "904");
}

Deno.test({
  name: "SASL EXTERNAL: CERT ADD/LIST/DEL, login by certificate, 904 without one, WHOIS 276" +
    missing,
  ignore: missing !== "",
  async fn() {
    const certs = await makeCertificates();
    const server = await testServer({
      tls: { certFile: certs.certFile, keyFile: certs.keyFile },
      tlsPort: 0,
      floodControl: false,
      opers: [{ name: "root", password: "operator-secret" }],
    });
    const tlsPort = server.tlsAddr!.port;
    const clients: TestClient[] = [];
    const connect = async (id?: ClientCertificate) => {
      const c = await TestClient.connectTls(tlsPort, [certs.caPem], "127.0.0.1", id);
      clients.push(c);
      await capLs(c);
      return c;
    };
    try {
      const [a, b] = await Promise.all([
        makeClientCertificate(certs.dir, "a"),
        makeClientCertificate(certs.dir, "b"),
      ]);
      const alice = await connect(a);
      await alice.send("CAP END");
      await alice.registerAs("alice");
      await alice.send("PRIVMSG NickServ :REGISTER correct-horse-battery");
      await alice.expect("900");
      await alice.sync();
      assert.match((await nickserv(alice, "CERT ADD"))[0]!, /added/);
      assert.deepEqual((await nickserv(alice, "CERT LIST")).slice(1), [`  ${hex(a.fingerprint)}`]);
      assert.match((await nickserv(alice, "CERT ADD"))[0]!, /already/);
      assert.match((await nickserv(alice, "CERT ADD nothex"))[0]!, /64 hex digits/);

      await alice.send("WHOIS alice");
      const own = (await alice.sync()).find((m) => m.command === "276");
      assert.equal(own?.params.at(-1), `has client certificate fingerprint ${hex(a.fingerprint)}`);
      const bob = await TestClient.register(server.addr.port, "bob");
      clients.push(bob);
      await bob.send("WHOIS alice");
      assert.ok(!(await bob.sync()).some((m) => m.command === "276"), "not shown to others");
      await bob.send("OPER root operator-secret");
      await bob.expect("381");
      await bob.send("WHOIS alice");
      assert.ok((await bob.sync()).some((m) => m.command === "276"), "shown to opers");

      // the certificate logs in; the authzid, if given, must be its account
      const device = await connect(a);
      assert.equal((await external(device)).command, "903");
      await device.send("NICK alice_phone");
      await device.send("USER a 0 * :A");
      await device.send("CAP END");
      await device.expect("001");
      assert.equal((await external(await connect(a), "bob")).command, "904");
      assert.equal((await external(await connect(a), "alice")).command, "903");

      // another certificate, or none, does not
      assert.equal((await external(await connect(b))).command, "904");
      const none = await external(await connect());
      assert.equal(none.params.at(-1), "SASL EXTERNAL needs a TLS client certificate");

      // a fingerprint given by hand (openssl's form, with colons); one owner per fingerprint
      assert.match((await nickserv(alice, `CERT ADD ${b.fingerprint}`))[0]!, /added/);
      assert.equal((await external(await connect(b))).command, "903");
      await bob.send("PRIVMSG NickServ :REGISTER another-password");
      await bob.expect("900");
      await bob.sync();
      assert.match((await nickserv(bob, `CERT ADD ${b.fingerprint}`))[0]!, /another account/);

      assert.match((await nickserv(alice, `CERT DEL ${hex(a.fingerprint)}`))[0]!, /removed/);
      assert.match((await nickserv(alice, `CERT DEL ${hex(a.fingerprint)}`))[0]!, /is not/);
      assert.equal((await external(await connect(a))).command, "904");
      assert.deepEqual((await nickserv(alice, "CERT LIST")).slice(1), [`  ${hex(b.fingerprint)}`]);
    } finally {
      for (const c of clients) await c.close();
      await server.shutdown();
      await Deno.remove(certs.dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "SASL EXTERNAL: offered with TLS only; over plain TCP there is no certificate" + missing,
  ignore: missing !== "",
  async fn() {
    const certs = await makeCertificates();
    const server = await testServer({
      tls: { certFile: certs.certFile, keyFile: certs.keyFile },
      tlsPort: 0,
    });
    const c = await TestClient.connect(server.addr.port);
    try {
      assert.equal((await capLs(c)).get("sasl"), "PLAIN,EXTERNAL,SCRAM-SHA-256");
      assert.equal((await external(c)).command, "904");
      await c.send("NICK x");
      await c.send("USER x 0 * :X");
      await c.send("CAP END");
      await c.expect("001");
      assert.match((await nickserv(c, "CERT LIST"))[0]!, /Log in first/);
    } finally {
      await c.close();
      await server.shutdown();
      await Deno.remove(certs.dir, { recursive: true });
    }
  },
});
