/**
 * The web port's HTTP as an attacker would use it: hundreds of half-sent requests from one IP
 * (per-IP admission before a byte is read, and the header timeout), idle keep-alive connections,
 * pipelined requests, oversized heads, request bodies; and the page and WebSockets still work.
 */

import assert from "node:assert/strict";
import { MAX_HEAD_BYTES } from "../../server/http_request.ts";
import { testServer } from "../helpers/server.ts";
import { closeAll, untilClosed } from "../helpers/silent_connections.ts";
import { waitUntil } from "../helpers/wait.ts";
import { WsTestClient } from "../helpers/ws_client.ts";

const enc = new TextEncoder();

Deno.test("web port: 300 half-sent requests from one IP: the excess refused at once, the rest closed at the header timeout", async () => {
  const headerMs = 700;
  const server = await testServer({
    webPort: 0,
    exempt: [],
    limits: { maxConnectionsPerIp: 16, throttleBurst: 0, httpHeaderTimeoutMs: headerMs },
  });
  const port = server.webAddr!.port;
  const conns: Deno.TcpConn[] = [];
  try {
    const outcomes: Promise<{ text: string; ms: number }>[] = [];
    for (let i = 0; i < 300; i++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conns.push(conn);
      // half a page request, or half a WebSocket handshake (slowloris)
      const half = i % 2 === 0
        ? `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: `
        : `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`;
      await conn.write(enc.encode(half)).catch(() => 0);
      outcomes.push(untilClosed(conn, headerMs + 5000));
    }
    const results = await Promise.all(outcomes);
    assert.equal(results.filter((r) => r.ms === Infinity).length, 0, "every one was closed");
    const refused = results.filter((r) => r.ms < headerMs / 2);
    const timedOut = results.filter((r) => r.ms >= headerMs / 2 && r.ms < Infinity);
    assert.ok(refused.length >= 284, `${refused.length} of 284 refused at once`);
    assert.ok(timedOut.length >= 1 && timedOut.length <= 16, `${timedOut.length} timed out`);
    assert.ok(timedOut.every((r) => r.text === ""), "nothing was answered to half a request");
    for (const r of refused) {
      // the refusal is a courtesy: the answer when it got there, or just the close
      assert.ok(r.text === "" || r.text.startsWith("HTTP/1.1 429 "), r.text);
    }
    assert.ok(refused.some((r) => r.text.includes("Too many connections from your IP")));
    closeAll(conns);

    // the page and a WebSocket still work
    const page = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(page.status, 200);
    await page.body?.cancel();
    const ws = await WsTestClient.register(`ws://127.0.0.1:${port}/`, "stillhere");
    await ws.close();
  } finally {
    closeAll(conns);
    await server.shutdown();
  }
});

Deno.test("web port: an idle keep-alive connection is closed after the header timeout", async () => {
  const server = await testServer({ webPort: 0, limits: { httpHeaderTimeoutMs: 400 } });
  const port = server.webAddr!.port;
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(enc.encode(`GET /nope HTTP/1.1\r\nHost: x\r\n\r\n`));
    const { text, ms } = await untilClosed(conn, 5000);
    assert.match(text, /^HTTP\/1\.1 404 /);
    assert.ok(ms >= 350 && ms < 5000, `closed after ${ms} ms`);
  } finally {
    closeAll([conn]);
    await server.shutdown();
  }
});

Deno.test("web port: pipelined requests are answered in order; bodies are read and dropped", async () => {
  const server = await testServer({ webPort: 0 });
  const port = server.webAddr!.port;
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(enc.encode(
      `GET /nope HTTP/1.1\r\nHost: x\r\n\r\n` +
        `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world` +
        `HEAD /app.css HTTP/1.1\r\nHost: x\r\n\r\n` +
        `GET /app.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    ));
    const { text } = await untilClosed(conn, 5000);
    const statuses = [...text.matchAll(/^HTTP\/1\.1 (\d+) /gm)].map((m) => m[1]);
    assert.deepEqual(statuses, ["404", "405", "200", "200"]);
    assert.match(text, /content-security-policy: default-src 'none'/);
  } finally {
    closeAll([conn]);
    await server.shutdown();
  }
});

Deno.test("web port: oversized heads get 431, bodies past the bound 413, garbage 400", async () => {
  const server = await testServer({ webPort: 0 });
  const port = server.webAddr!.port;
  const ask = async (request: string) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    try {
      await conn.write(enc.encode(request)).catch(() => 0);
      return (await untilClosed(conn, 5000)).text.split("\r\n")[0]!;
    } finally {
      closeAll([conn]);
    }
  };
  try {
    assert.match(
      await ask(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(MAX_HEAD_BYTES)}\r\n\r\n`),
      /^HTTP\/1\.1 431 /,
    );
    assert.match(
      await ask(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n`),
      /^HTTP\/1\.1 413 /,
    );
    assert.match(
      await ask(`POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n`),
      /^HTTP\/1\.1 413 /,
    );
    assert.match(
      await ask(`\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n`),
      /^HTTP\/1\.1 400 /,
    );
    assert.match(await ask(`GET / HTTP/2.0\r\nHost: x\r\n\r\n`), /^HTTP\/1\.1 505 /);
    await waitUntil(() => server.connectionCount === 0, "nothing is left");
  } finally {
    await server.shutdown();
  }
});

Deno.test("web port: a client that never reads its responses is closed after the timeout", async () => {
  const headerMs = 500;
  const server = await testServer({
    webPort: 0,
    exempt: [],
    limits: { maxConnectionsPerIp: 1, throttleBurst: 0, httpHeaderTimeoutMs: headerMs },
  });
  const port = server.webAddr!.port;
  const greedy = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    // ~60 MB of pipelined answers asked for, none read: the socket buffers fill, a write stalls
    const ask = enc.encode(`GET /app.js HTTP/1.1\r\nHost: x\r\n\r\n`.repeat(2000));
    await greedy.write(ask);
    // While it holds the only slot of 127.0.0.1, others are refused; then it is closed.
    const status = async () => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      await conn.write(enc.encode(`GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`))
        .catch(() => 0);
      const { text } = await untilClosed(conn, 5000);
      closeAll([conn]);
      return text.split(" ")[1] ?? "";
    };
    assert.equal(await status(), "429");
    const started = performance.now();
    let answer = "429";
    while (answer === "429" && performance.now() - started < headerMs + 5000) {
      await new Promise((r) => setTimeout(r, 20)); // re-asking, as waitUntil does
      answer = await status();
    }
    assert.equal(answer, "404", "the slot was freed");
    assert.ok(performance.now() - started >= headerMs / 2, "not before the timeout");
  } finally {
    closeAll([greedy]);
    await server.shutdown();
  }
});
