/**
 * The TLS listener in-process: TLS and TCP users chat, WHOIS tells them apart (671), a
 * plaintext client on the TLS port is turned away cleanly, and a certificate reload swaps the
 * certificate for new connections only (bad files keep the old one). Certificates come from
 * openssl at run time.
 */

import assert from "node:assert/strict";
import { silentLogger } from "../../server/log.ts";
import { ReloadableTlsListener } from "../../server/tls_listener.ts";
import type { TlsStream } from "../../server/tls_stream.ts";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { testServer } from "../helpers/server.ts";
import { silentConnections } from "../helpers/silent_connections.ts";
import { makeCertificates, opensslMissingReason } from "../helpers/tls_certs.ts";
import { waitUntil } from "../helpers/wait.ts";

const missing = await opensslMissingReason();

Deno.test({
  name: "TLS: a TLS user and a TCP user chat; WHOIS shows 671 for the TLS user only" + missing,
  ignore: missing !== "",
  async fn() {
    const certs = await makeCertificates();
    const server = await testServer({
      tls: { certFile: certs.certFile, keyFile: certs.keyFile },
      tlsPort: 0,
    });
    const clients: TestClient[] = [];
    try {
      assert.notEqual(server.tlsAddr?.port, server.addr.port);
      const secure = await TestClient.connectTls(server.tlsAddr!.port, [certs.caPem]);
      clients.push(secure);
      await secure.registerAs("sasha");
      const plain = await TestClient.register(server.addr.port, "pat");
      clients.push(plain);
      for (const c of [secure, plain]) {
        await c.send("JOIN #mixed");
        await c.expect("366");
      }
      await secure.send("PRIVMSG #mixed :hello over TLS");
      assert.deepEqual((await plain.expect("PRIVMSG")).params, ["#mixed", "hello over TLS"]);
      await plain.send("PRIVMSG #mixed :hello over TCP");
      assert.deepEqual((await secure.expect("PRIVMSG")).params, ["#mixed", "hello over TCP"]);

      await plain.send("WHOIS sasha");
      const aboutSecure = await plain.sync();
      assert.ok(
        aboutSecure.some((m) => m.command === "671" && m.params[1] === "sasha"),
        "671 for the TLS user",
      );
      await secure.send("WHOIS pat");
      const aboutPlain = await secure.sync();
      assert.ok(aboutPlain.some((m) => m.command === "318"), "WHOIS ended");
      assert.ok(!aboutPlain.some((m) => m.command === "671"), "no 671 for the TCP user");
    } finally {
      for (const c of clients) await c.close();
      await server.shutdown();
      await Deno.remove(certs.dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "TLS: a plaintext client on the TLS port is disconnected cleanly" + missing,
  ignore: missing !== "",
  async fn() {
    const certs = await makeCertificates();
    const server = await testServer({
      tls: { certFile: certs.certFile, keyFile: certs.keyFile },
      tlsPort: 0,
    });
    const clients: TestClient[] = [];
    try {
      const confused = await TestClient.connect(server.tlsAddr!.port);
      clients.push(confused);
      await confused.send("NICK plainly");
      await confused.send("USER plainly 0 * :plain on the TLS port");
      await confused.closed();
      assert.ok(!confused.lines.some((l) => l.includes(" 001 ")), "never registered");
      await waitUntil(() => server.connectionCount === 0, "the connection count is back to 0");
      // The server is fine: a TLS client still gets in.
      const fine = await TestClient.connectTls(server.tlsAddr!.port, [certs.caPem]);
      clients.push(fine);
      await fine.registerAs("fine");
      assert.equal(server.connectionCount, 1);
    } finally {
      for (const c of clients) await c.close();
      await server.shutdown();
      await Deno.remove(certs.dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "TLS: reload swaps the certificate for new connections; bad files keep the old one" +
    missing,
  ignore: missing !== "",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "chat-tls-reload-" });
    const first = await makeCertificates("first", dir);
    const second = await makeCertificates("second", dir);
    const live = { certFile: `${dir}/live.pem`, keyFile: `${dir}/live.key` };
    await Deno.copyFile(first.certFile, live.certFile);
    await Deno.copyFile(first.keyFile, live.keyFile);
    const accepted: TlsStream[] = [];
    const listener = await ReloadableTlsListener.open("127.0.0.1", 0, live, {
      admit: () => true,
      accepted: (conn) => {
        accepted.push(conn);
        echo(conn);
      },
      acceptFailed: (err) => silentLogger.error(String(err)),
    }, 10_000);
    const port = listener.addr.port;
    const opened: Deno.TlsConn[] = [];
    const connect = async (caPem: string) => {
      const conn = await Deno.connectTls({ hostname: "127.0.0.1", port, caCerts: [caPem] });
      opened.push(conn);
      await conn.handshake();
      return conn;
    };
    try {
      const old = await connect(first.caPem);
      assert.equal(await roundTrip(old, "before"), "before");
      await assert.rejects(connect(second.caPem), "the second CA is not trusted yet");

      await Deno.copyFile(second.certFile, live.certFile);
      await Deno.copyFile(second.keyFile, live.keyFile);
      await listener.reload();
      assert.equal(listener.addr.port, port, "same port");
      const fresh = await connect(second.caPem);
      assert.equal(await roundTrip(fresh, "new cert"), "new cert");
      await assert.rejects(connect(first.caPem), "the first certificate is gone");
      assert.equal(await roundTrip(old, "old still works"), "old still works");

      await Deno.writeTextFile(live.keyFile, "not a key");
      await assert.rejects(listener.reload(), /cannot use TLS certificate/);
      const afterFailure = await connect(second.caPem);
      assert.equal(await roundTrip(afterFailure, "kept"), "kept");
    } finally {
      listener.close();
      for (const c of [...opened, ...accepted]) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** Echoes what it reads until the connection ends. */
async function echo(conn: TlsStream): Promise<void> {
  const buf = new Uint8Array(1024);
  try {
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) return;
      await conn.write(buf.subarray(0, n));
    }
  } catch { /* closed */ }
}

async function roundTrip(conn: Deno.TlsConn, text: string): Promise<string> {
  await conn.write(new TextEncoder().encode(text));
  const buf = new Uint8Array(1024);
  let got = "";
  while (got.length < text.length) {
    const n = await conn.read(buf);
    if (n === null) break;
    got += new TextDecoder().decode(buf.subarray(0, n));
  }
  return got;
}

Deno.test({
  name: "TLS: 200 silent connections from one IP: the refused closed at once, the rest at the " +
    "handshake timeout" + missing,
  ignore: missing !== "",
  async fn() {
    const certs = await makeCertificates();
    const handshakeMs = 600;
    const server = await testServer({
      tls: { certFile: certs.certFile, keyFile: certs.keyFile },
      tlsPort: 0,
      exempt: [], // 127.0.0.1 is limited like anyone
      limits: { maxConnectionsPerIp: 16, throttleBurst: 0, tlsHandshakeTimeoutMs: handshakeMs },
    });
    const port = server.tlsAddr!.port;
    const clients: TestClient[] = [];
    try {
      const times = await silentConnections(port, 200, handshakeMs + 5000);
      const prompt = times.filter((t) => t < handshakeMs / 2).length;
      const atTimeout = times.filter((t) => t >= handshakeMs / 2 && t < Infinity).length;
      assert.equal(times.filter((t) => t === Infinity).length, 0, "every connection was closed");
      assert.ok(prompt >= 184, `${prompt} of the 184 refused connections were closed at once`);
      assert.ok(atTimeout >= 1 && atTimeout <= 16, `${atTimeout} closed at the timeout`);
      // nothing is held: a real client gets in
      const fine = await TestClient.connectTls(port, [certs.caPem]);
      clients.push(fine);
      await fine.registerAs("afterwards");
      // a completed handshake is not timed out: still there well past the timeout
      await new Promise((r) => setTimeout(r, handshakeMs * 2));
      await fine.send("PING :still");
      assert.deepEqual((await fine.expect("PONG")).params.at(-1), "still");
    } finally {
      for (const c of clients) await c.close();
      await server.shutdown();
      await Deno.remove(certs.dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "TLS and plain: connections refused by the throttle are closed at once" + missing,
  ignore: missing !== "",
  async fn() {
    const certs = await makeCertificates();
    const server = await testServer({
      tls: { certFile: certs.certFile, keyFile: certs.keyFile },
      tlsPort: 0,
      exempt: [],
      limits: { throttleBurst: 2, throttleRatePerMinute: 1 },
    });
    try {
      // two are let in (and say nothing: the handshake timeout is 10 s), then the throttle
      const tls = await silentConnections(server.tlsAddr!.port, 5, 2000);
      assert.deepEqual(tls.map((t) => t < 1000), [false, false, true, true, true]);
      const plain = await TestClient.connect(server.addr.port);
      const refusal = await plain.expect("ERROR");
      assert.match(refusal.params[0]!, /Connecting too fast/);
      await plain.closed();
    } finally {
      await server.shutdown();
      await Deno.remove(certs.dir, { recursive: true });
    }
  },
});
