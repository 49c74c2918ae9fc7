import assert from "node:assert/strict";
import type { OutboxEvents } from "../../server/outbox.ts";
import {
  WebSocketConnection,
  type WebSocketConnectionOptions,
  type WebSocketLike,
} from "../../server/websocket_connection.ts";

/** A WebSocket double: records what is sent, and lets the test deliver messages and close. */
class FakeSocket implements WebSocketLike {
  readyState = 1;
  bufferedAmount = 0;
  binaryType: BinaryType = "blob";
  sent: (string | Uint8Array)[] = [];
  closedWith: number | undefined;
  #listeners = new Map<string, ((e: Event) => void)[]>();

  send(data: string | Uint8Array): void {
    this.sent.push(data);
  }
  close(code?: number): void {
    this.closedWith = code;
    this.readyState = 3;
    this.emit("close", new Event("close"));
  }
  addEventListener(type: string, listener: (e: Event) => void): void {
    this.#listeners.set(type, [...this.#listeners.get(type) ?? [], listener]);
  }
  emit(type: string, event: Event): void {
    for (const l of this.#listeners.get(type) ?? []) l(event);
  }
  message(data: string | ArrayBuffer): void {
    this.emit("message", new MessageEvent("message", { data }));
  }
}

const REMOTE: Deno.NetAddr = { transport: "tcp", hostname: "192.0.2.1", port: 5000 };
const bytes = (s: string) => new TextEncoder().encode(s);

function open(options: Partial<WebSocketConnectionOptions> = {}) {
  const socket = new FakeSocket();
  const events = { overflows: 0, errors: 0 };
  const handlers: OutboxEvents = {
    overflow: () => events.overflows++,
    error: () => events.errors++,
  };
  const conn = new WebSocketConnection(
    socket,
    REMOTE,
    { mode: "text", secure: false, sendq: 1024, ...options },
    handlers,
  );
  const lines: string[] = [];
  let tooLong = 0;
  const reading = conn.readLines({ line: (l) => lines.push(l), tooLong: () => tooLong++ });
  return { socket, conn, events, lines, tooLong: () => tooLong, reading };
}

Deno.test("websocket connection: one message per line, text frames with invalid UTF-8 replaced", async () => {
  const { socket, conn } = open();
  assert.equal(socket.binaryType, "arraybuffer");
  assert.equal(conn.peer, "192.0.2.1:5000");
  conn.send(new Uint8Array([...bytes(":s 001 a :hi\r\n:s NOTICE a :bad "), 0xff, 13, 10]));
  assert.deepEqual(socket.sent, [], "lines queued in one task go out together at its end");
  await Promise.resolve();
  assert.deepEqual(socket.sent, [":s 001 a :hi", ":s NOTICE a :bad \uFFFD"]);
});

Deno.test("websocket connection: binary frames carry the bytes as they are, copied", async () => {
  const { socket, conn } = open({ mode: "binary" });
  const shared = new Uint8Array([...bytes("PING :x"), 0xff, 13, 10]);
  conn.send(shared);
  shared.fill(0);
  await Promise.resolve();
  assert.deepEqual(socket.sent, [new Uint8Array([...bytes("PING :x"), 0xff])]);
});

Deno.test("websocket connection: incoming messages are lines; over-long ones are reported", () => {
  const { socket, lines, tooLong } = open();
  socket.message("NICK a\r\n");
  socket.message(bytes("USER a 0 * :b").buffer as ArrayBuffer);
  socket.message(`PRIVMSG x :${"y".repeat(600)}`);
  socket.message(`@${"t".repeat(5000)} PING x`);
  assert.deepEqual(lines, ["NICK a", "USER a 0 * :b"]);
  assert.equal(tooLong(), 2);
});

Deno.test("websocket connection: a CR or NUL inside a line becomes U+FFFD, as on TCP", () => {
  const { socket, lines } = open();
  socket.message("@+x\rQUIT;+y=1 PRIVMSG #t :a\0b\r\n");
  assert.deepEqual(lines, ["@+x\ufffdQUIT;+y=1 PRIVMSG #t :a\ufffdb"]);
});

Deno.test("websocket connection: messages before readLines are kept", () => {
  const socket = new FakeSocket();
  const conn = new WebSocketConnection(socket, REMOTE, {
    mode: "text",
    secure: true,
    sendq: 1024,
  }, { overflow() {}, error() {} });
  socket.message("CAP LS 302");
  const lines: string[] = [];
  conn.readLines({ line: (l) => lines.push(l), tooLong() {} });
  assert.deepEqual(lines, ["CAP LS 302"]);
  assert.equal(conn.secure, true);
});

Deno.test("websocket connection: past the sendq the client is cut off, once", () => {
  const { socket, conn, events } = open({ sendq: 100 });
  socket.bufferedAmount = 90;
  conn.send(bytes("x".repeat(20) + "\r\n"));
  conn.send(bytes("more\r\n"));
  assert.equal(events.overflows, 1);
  assert.deepEqual(socket.sent, []);
});

Deno.test("websocket connection: finish sends the last line; close ends readLines", async () => {
  const { socket, conn, reading } = open();
  conn.finish(bytes("ERROR :Closing Link: 192.0.2.1 (Bye)\r\n"));
  conn.send(bytes("not sent\r\n"));
  await conn.close(100);
  assert.deepEqual(socket.sent, ["ERROR :Closing Link: 192.0.2.1 (Bye)"]);
  assert.equal(socket.closedWith, 1000);
  assert.equal(await reading, "Connection closed");
});

Deno.test("websocket connection: drained(below) waits until the socket holds at most that", async () => {
  const { socket, conn } = open({ sendq: 1 << 20 });
  socket.bufferedAmount = 5000;
  assert.equal(conn.drained(5000), undefined); // already so
  let done = false;
  const waiting = conn.drained(1000)!.then(() => done = true);
  await Promise.resolve();
  assert.equal(done, false);
  socket.bufferedAmount = 800; // the browser sent some
  await waiting;
  // a finishing connection lets every waiter go
  socket.bufferedAmount = 5000;
  const last = conn.drained(0)!;
  conn.finish(bytes("ERROR :bye\r\n"));
  await last;
});

Deno.test("websocket connection: beforeWrite can hold lines until resume, which may go first", async () => {
  const socket = new FakeSocket();
  let allow = false;
  const conn = new WebSocketConnection(
    socket,
    REMOTE,
    { mode: "text", secure: false, sendq: 1024 },
    {
      overflow: () => {},
      error: () => {},
      beforeWrite: () => allow,
    },
  );
  conn.send(bytes(":s PRIVMSG #c :echo\r\n"));
  await Promise.resolve();
  conn.send(bytes(":s PRIVMSG #c :more\r\n"));
  await Promise.resolve();
  assert.deepEqual(socket.sent, [], "held");
  allow = true;
  conn.resume(bytes(":s NOTICE a :first\r\n"));
  await Promise.resolve();
  assert.deepEqual(socket.sent, [
    ":s NOTICE a :first",
    ":s PRIVMSG #c :echo",
    ":s PRIVMSG #c :more",
  ]);
});
