/**
 * The web port in-process: IRC over WebSocket with both IRCv3 subprotocols, the origin
 * allowlist, the same line limits, per-IP limits and flood control as TCP, WebSocket, TCP and
 * plain-text users in one channel, the embedded page, and wss with a certificate reload that
 * keeps WebSocket users connected.
 */

import assert from "node:assert/strict";
import type { RunningServer } from "../../server/server.ts";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { testServer } from "../helpers/server.ts";
import { makeCertificates, opensslMissingReason } from "../helpers/tls_certs.ts";
import { waitUntil } from "../helpers/wait.ts";
import { HandshakeError, WsTestClient } from "../helpers/ws_client.ts";

const wsUrl = (server: RunningServer) => `ws://127.0.0.1:${server.webAddr!.port}/`;

/** Sends a raw WebSocket handshake and returns the HTTP status line. */
async function handshakeStatus(port: number, headers: Record<string, string>): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
    await conn.write(new TextEncoder().encode(
      `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n` +
        `Sec-WebSocket-Version: 13\r\n${extra}\r\n`,
    ));
    const buf = new Uint8Array(4096);
    const n = await conn.read(buf);
    return new TextDecoder().decode(buf.subarray(0, n ?? 0)).split("\r\n")[0]!;
  } finally {
    conn.close();
  }
}

Deno.test("WebSocket: text.ircv3.net and binary.ircv3.net users chat, each in its frame type", async () => {
  const server = await testServer({ webPort: 0 });
  const clients: WsTestClient[] = [];
  try {
    const text = await WsTestClient.register(wsUrl(server), "wtext", ["text.ircv3.net"]);
    clients.push(text);
    const binary = await WsTestClient.register(
      wsUrl(server),
      "wbin",
      ["binary.ircv3.net", "text.ircv3.net"],
    );
    clients.push(binary);
    assert.equal(text.protocol, "text.ircv3.net");
    assert.equal(binary.protocol, "binary.ircv3.net", "the client's first choice wins");
    for (const c of [text, binary]) {
      c.send("JOIN #web");
      await c.expect("366");
    }
    text.send("PRIVMSG #web :héllo from a text frame");
    const got = await binary.expectReceived((r) => r.line.includes("PRIVMSG #web"));
    assert.equal(got.binary, true);
    assert.match(got.line, /^:wtext!\S+ PRIVMSG #web :héllo from a text frame$/);
    binary.send("PRIVMSG #web :and one from a binary frame");
    const back = await text.expectReceived((r) => r.line.includes("PRIVMSG #web"));
    assert.equal(back.binary, false);
    assert.match(back.line, /PRIVMSG #web :and one from a binary frame$/);
    for (const c of clients) {
      assert.ok(c.received.every((r) => !/[\r\n]/.test(r.line)), "one line per message, no CRLF");
      assert.ok(c.received.every((r) => r.binary === (c === binary)), "one frame type");
    }

    // No subprotocol (legacy clients): accepted, text frames.
    const legacy = await WsTestClient.register(wsUrl(server), "legacy", []);
    clients.push(legacy);
    assert.equal(legacy.protocol, "");
    assert.ok(legacy.received.every((r) => !r.binary));
  } finally {
    for (const c of clients) await c.close();
    await server.shutdown();
  }
});

Deno.test("WebSocket: the page's own origin and listed origins connect, others get 403", async () => {
  const server = await testServer({ webPort: 0, webOrigins: ["https://chat.example.org"] });
  const port = server.webAddr!.port;
  const clients: WsTestClient[] = [];
  try {
    for (const origin of [undefined, `http://127.0.0.1:${port}`, "https://chat.example.org"]) {
      const headers: Record<string, string> = origin ? { origin } : {};
      const c = await WsTestClient.register(
        wsUrl(server),
        `o${clients.length}`,
        undefined,
        headers,
      );
      clients.push(c);
    }
    for (const origin of ["https://evil.example", "http://chat.example.org", "null"]) {
      await assert.rejects(
        WsTestClient.connect(wsUrl(server), ["text.ircv3.net"], { origin }),
        (err) => err instanceof HandshakeError && /403/.test(err.message),
        origin,
      );
      assert.match(await handshakeStatus(port, { origin }), /^HTTP\/1\.1 403 /, origin);
    }
    assert.equal(server.connectionCount, 3, "refused handshakes start no session");
  } finally {
    for (const c of clients) await c.close();
    await server.shutdown();
  }
});

Deno.test("WebSocket: an over-long message gets 417 and the connection goes on", async () => {
  const server = await testServer({ webPort: 0 });
  const c = await WsTestClient.register(wsUrl(server), "verbose");
  try {
    c.send(`PRIVMSG verbose :${"a".repeat(600)}`);
    assert.equal((await c.expect("417")).params[0], "verbose");
    c.send(`@+tag=${"t".repeat(5000)} PRIVMSG verbose :short`);
    await c.expect("417");
    c.send("PRIVMSG verbose :just right\r\n"); // a trailing CRLF is tolerated
    assert.deepEqual((await c.expect("PRIVMSG")).params, ["verbose", "just right"]);
  } finally {
    await c.close();
    await server.shutdown();
  }
});

Deno.test("WebSocket, TCP and plain-text users share a channel", async () => {
  const server = await testServer({ webPort: 0, limits: { plainTextAfterMs: 200 } });
  const ws = await WsTestClient.register(wsUrl(server), "webber");
  const tcp = await TestClient.register(server.addr.port, "tcpper");
  const nc = await TestClient.connect(server.addr.port);
  try {
    for (const c of [ws, tcp]) {
      c.send("JOIN #lobby");
      await c.expect("366");
    }
    await nc.expectLine((l) => l.includes("Pick a nickname"));
    await nc.send("netty");
    await nc.expectLine((l) => l.includes("* You joined #lobby"));
    ws.send("PRIVMSG #lobby :hi from the browser");
    assert.deepEqual((await tcp.expect("PRIVMSG")).params, ["#lobby", "hi from the browser"]);
    await nc.expectLine((l) => l.endsWith("<webber> hi from the browser"));
    await nc.send("hi from netcat");
    assert.deepEqual((await ws.expect("PRIVMSG")).params, ["#lobby", "hi from netcat"]);
    await tcp.send("PRIVMSG #lobby :hi from irc");
    const m = await ws.expect("PRIVMSG");
    assert.equal(m.source?.split("!")[0], "tcpper");
    await nc.expectLine((l) => l.endsWith("<tcpper> hi from irc"));
  } finally {
    await ws.close();
    await tcp.close();
    await nc.close();
    await server.shutdown();
  }
});

Deno.test("WebSocket: per-IP limits and flood control are the same as for TCP", async () => {
  const server = await testServer({
    webPort: 0,
    exempt: [],
    limits: { maxConnectionsPerIp: 2, floodBurst: 1, floodRatePerSecond: 0.5, recvqBytes: 1024 },
  });
  const clients: (WsTestClient | TestClient)[] = [];
  try {
    const tcp = await TestClient.register(server.addr.port, "first");
    clients.push(tcp);
    const flooder = await WsTestClient.register(wsUrl(server), "flooder");
    clients.push(flooder);
    // A third connection from 127.0.0.1, to the web port this time, is one too many: it is
    // refused before its request is read.
    await assert.rejects(
      WsTestClient.connect(wsUrl(server)),
      (err) => err instanceof HandshakeError && /429/.test(err.message),
    );

    for (let i = 0; i < 40; i++) flooder.send(`PRIVMSG first :${"flood ".repeat(10)}${i}`);
    const error = await flooder.expect("ERROR");
    assert.match(error.params[0]!, /Excess flood/);
    await flooder.closed();
    await waitUntil(() => server.connectionCount === 1, "only the TCP user is left");
  } finally {
    for (const c of clients) await c.close();
    await server.shutdown();
  }
});

Deno.test("web page: GET / serves the embedded page with its security headers", async () => {
  const server = await testServer({ webPort: 0 });
  const base = `http://127.0.0.1:${server.webAddr!.port}`;
  try {
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
    assert.match(page.headers.get("content-security-policy") ?? "", /connect-src 'self'/);
    assert.equal(page.headers.get("x-content-type-options"), "nosniff");
    const html = await page.text();
    assert.match(html, /<script type="module" src="app\.js"><\/script>/);
    assert.match(html, /<label for="nick">Nickname<\/label>/);

    const js = await fetch(`${base}/app.js`);
    assert.equal(js.headers.get("content-type"), "text/javascript; charset=utf-8");
    const etag = js.headers.get("etag")!;
    await js.body?.cancel();
    const again = await fetch(`${base}/app.js`, { headers: { "if-none-match": etag } });
    assert.equal(again.status, 304);
    await again.body?.cancel();

    const missing = await fetch(`${base}/nope`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
    const post = await fetch(`${base}/`, { method: "POST", body: "x" });
    assert.equal(post.status, 405);
    await post.body?.cancel();
  } finally {
    await server.shutdown();
  }
});

const missing = await opensslMissingReason();

Deno.test({
  name: "wss: WebSocket users over TLS are secure in WHOIS and survive a certificate reload" +
    missing,
  ignore: missing !== "",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "chat-wss-" });
    const first = await makeCertificates("first", dir);
    const second = await makeCertificates("second", dir);
    const tls = { certFile: `${dir}/live.pem`, keyFile: `${dir}/live.key` };
    await Deno.copyFile(first.certFile, tls.certFile);
    await Deno.copyFile(first.keyFile, tls.keyFile);
    const server = await testServer({ tls, tlsPort: 0, webPort: 0 });
    const url = `wss://localhost:${server.webAddr!.port}/`;
    const clients: WsTestClient[] = [];
    const http = Deno.createHttpClient({ caCerts: [first.caPem] });
    try {
      const page = await fetch(`https://localhost:${server.webAddr!.port}/`, { client: http });
      assert.equal(page.status, 200);
      await page.body?.cancel();

      const early = await WsTestClient.register(url, "early", undefined, {}, [first.caPem]);
      clients.push(early);
      early.send("WHOIS early");
      const whois = await early.expect((m) => m.command === "671" || m.command === "318");
      assert.equal(whois.command, "671", "a wss user is secure");
      // Same-origin check on the TLS port: https://host:port.
      const sameOrigin = await WsTestClient.register(url, "same", undefined, {
        origin: `https://localhost:${server.webAddr!.port}`,
      }, [first.caPem]);
      clients.push(sameOrigin);

      await Deno.copyFile(second.certFile, tls.certFile);
      await Deno.copyFile(second.keyFile, tls.keyFile);
      assert.equal(await server.reloadCertificates(), true);
      const late = await WsTestClient.register(url, "late", undefined, {}, [second.caPem]);
      clients.push(late);
      await assert.rejects(WsTestClient.connect(url, undefined, {}, [first.caPem]));
      for (const c of [early, late]) {
        c.send("JOIN #renewed");
        await c.expect("366");
      }
      late.send("PRIVMSG #renewed :made after the reload");
      assert.deepEqual((await early.expect("PRIVMSG")).params, [
        "#renewed",
        "made after the reload",
      ]);
    } finally {
      http.close();
      for (const c of clients) await c.close();
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
