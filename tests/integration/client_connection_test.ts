/**
 * The client's connection over a real loopback socket: pacing with urgent lines jumping the
 * queue, unsent user lines handed back on close, framing of what the server sends, and the
 * plain error for a refused connection.
 */
import assert from "node:assert/strict";
import { connectTo, type IrcConnection } from "../../client/connection.ts";
import type { Message } from "../../protocol/message.ts";
import { freePort } from "../../scripts/support/peers.ts";

/** Accepts one connection and collects its lines. */
function peer() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const lines: string[] = [];
  let wake: (() => void) | undefined;
  const accepted = listener.accept().then((conn) => {
    const reading = (async () => {
      let rest = "";
      const decoder = new TextDecoder();
      const buf = new Uint8Array(4096);
      try {
        for (;;) {
          const n = await conn.read(buf);
          if (n === null) break;
          rest += decoder.decode(buf.subarray(0, n));
          const parts = rest.split("\r\n");
          rest = parts.pop()!;
          lines.push(...parts);
          wake?.();
        }
      } catch { /* closed by the test */ }
    })();
    return { conn, reading };
  });
  const waitLines = async (n: number) => {
    const deadline = Date.now() + 5000;
    while (lines.length < n) {
      assert.ok(Date.now() < deadline, `only ${lines.length} lines: ${lines.join(" | ")}`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((r) => {
        wake = r;
        timer = setTimeout(r, deadline - Date.now());
      });
      clearTimeout(timer);
    }
  };
  return { listener, lines, accepted, waitLines, port: (listener.addr as Deno.NetAddr).port };
}

Deno.test("connection: paced lines wait their turn, urgent ones do not", async () => {
  const p = peer();
  const received: Message[] = [];
  const result = await connectTo({ host: "127.0.0.1", port: p.port }, {
    onMessage: (m) => received.push(m),
    pacing: { burst: 1, intervalMs: 150 },
  });
  assert.ok(result.ok);
  const conn: IrcConnection = result.connection;
  const { conn: server, reading } = await p.accepted;
  try {
    const start = Date.now();
    conn.send("PRIVMSG #a :one", { paced: true });
    conn.send("PRIVMSG #a :two", { paced: true });
    conn.send("PRIVMSG #a :three", { paced: true });
    conn.send("PONG :urgent", { urgent: true });
    await p.waitLines(4);
    assert.deepEqual(p.lines, [
      "PRIVMSG #a :one",
      "PONG :urgent",
      "PRIVMSG #a :two",
      "PRIVMSG #a :three",
    ]);
    assert.ok(Date.now() - start >= 250, "two paced lines after the burst took two intervals");

    conn.send("PRIVMSG #a :four", { paced: true });
    conn.send("PRIVMSG #a :five", { paced: true });
    assert.equal(conn.queued, 2);
    conn.close("test");
    assert.equal(await conn.closed, "test");
    assert.deepEqual(conn.takeUnsent(), ["PRIVMSG #a :four", "PRIVMSG #a :five"]);

    await server.write(new TextEncoder().encode("ignored after close\r\n")).catch(() => 0);
    assert.deepEqual(received, []);
  } finally {
    conn.close();
    try {
      server.close();
    } catch { /* closed */ }
    await reading;
    p.listener.close();
  }
});

Deno.test("connection: lines from the server are framed and parsed", async () => {
  const p = peer();
  const received: Message[] = [];
  let got: (() => void) | undefined;
  const result = await connectTo({ host: "127.0.0.1", port: p.port }, {
    onMessage: (m) => {
      received.push(m);
      if (received.length === 2) got?.();
    },
  });
  assert.ok(result.ok);
  const { conn: server, reading } = await p.accepted;
  try {
    const both = new Promise<void>((r) => got = r);
    await server.write(
      new TextEncoder().encode("@time=2024-01-01T00:00:00Z :a!b@c PRIVMSG #x :hi\r\nPI"),
    );
    await server.write(new TextEncoder().encode("NG :tok\n"));
    await both;
    assert.deepEqual(received.map((m) => [m.command, ...m.params]), [
      ["PRIVMSG", "#x", "hi"],
      ["PING", "tok"],
    ]);
    assert.equal(received[0]!.tags?.time, "2024-01-01T00:00:00Z");
    server.close();
    assert.equal(await result.connection.closed, "connection closed by the server");
  } finally {
    result.connection.close();
    await reading;
    p.listener.close();
  }
});

Deno.test("connection: a refused connection is a typed result, not an exception", async () => {
  const port = freePort();
  const result = await connectTo({ host: "127.0.0.1", port }, { onMessage: () => {} });
  assert.deepEqual(result, {
    ok: false,
    error: { kind: "refused", message: `cannot connect to 127.0.0.1:${port}: connection refused` },
  });
});
