/**
 * Moved connections' pipes without Redis (cluster/session_pipes.ts): what each end publishes for
 * what, and how a pipe ends (its session, its socket, a lost node, an op Redis never took).
 */
import assert from "node:assert/strict";
import { SessionPipes } from "../../server/cluster/session_pipes.ts";
import type { PipeDelivery } from "../../server/cluster/events.ts";
import type { ClientConnection } from "../../server/connection.ts";
import type { MovedSession } from "../../server/moved_session.ts";
import type { PipeSocket } from "../../server/state/session.ts";

const STATE: MovedSession = {
  phase: "welcome",
  caps: ["server-time"],
  capVersion: 302,
  secure: false,
  plainText: false,
  hostname: "192.0.2.1",
  username: "~ann",
  realname: "Ann",
  account: "ann",
  alwaysOn: true,
  nick: "ann",
};

interface Sent {
  node: string;
  d: PipeDelivery;
  drop: () => void;
}

function node(id: string) {
  const sent: Sent[] = [];
  const pipes = new SessionPipes(id, (node, d, drop) => sent.push({ node, d, drop }));
  return { pipes, sent };
}

function socket() {
  const written: string[] = [];
  const closed: { last: string | undefined; reason: string }[] = [];
  const s: PipeSocket = {
    write: (lines) => written.push(lines),
    close: (last, reason) => closed.push({ last, reason }),
  };
  return { s, written, closed };
}

const flush = () => new Promise<void>((resolve) => queueMicrotask(resolve));

Deno.test("session pipes: the socket's node sends the state, then each line, then its end", () => {
  const b = node("n2");
  const sock = socket();
  const pipe = b.pipes.open("n1", STATE, sock.s);
  pipe.line("PRIVMSG #c :hi");
  pipe.tooLong();
  pipe.end("Connection closed");
  pipe.end("twice");
  assert.deepEqual(b.sent.map((x) => [x.node, x.d.t]), [
    ["n1", "sopen"],
    ["n1", "sin"],
    ["n1", "slong"],
    ["n1", "send"],
  ]);
  const open = b.sent[0]!.d as PipeDelivery & { t: "sopen" };
  assert.equal(open.n, "n2");
  assert.ok(open.s.startsWith("n2/"));
  assert.deepEqual(open.st, STATE);
});

Deno.test("session pipes: the user's node serves the connection and answers on the pipe", async () => {
  const a = node("n1");
  const served: ClientConnection[] = [];
  a.pipes.serve = (connection) => served.push(connection);
  a.pipes.deliver({ t: "sopen", s: "n2/1", n: "n2", st: STATE });
  const connection = served[0]!;
  assert.equal(connection.remote, true);
  assert.equal(connection.hostname, "192.0.2.1");
  const lines: string[] = [];
  const ended = connection.readLines({
    line: (l) => lines.push(l),
    tooLong: () => lines.push("!"),
  });
  a.pipes.deliver({ t: "sin", s: "n2/1", l: "JOIN #c" });
  a.pipes.deliver({ t: "slong", s: "n2/1" });
  assert.deepEqual(lines, ["JOIN #c", "!"]);

  // what one turn writes goes as one payload
  const enc = new TextEncoder();
  connection.send(enc.encode(":s 001 ann :Welcome\r\n"));
  connection.send(enc.encode(":s 002 ann :Host\r\n"));
  assert.equal(a.sent.length, 0);
  await flush();
  assert.deepEqual(a.sent.map((x) => [x.node, x.d]), [
    ["n2", { t: "sout", s: "n2/1", b: ":s 001 ann :Welcome\r\n:s 002 ann :Host\r\n" }],
  ]);
  connection.finish(enc.encode("ERROR :Closing Link: 192.0.2.1 (Killed)\r\n"));
  assert.equal(a.sent[1]!.d.t, "sfin");
  a.pipes.deliver({ t: "send", s: "n2/1", r: "Connection closed" });
  assert.equal(await ended, "Connection closed");
});

Deno.test("session pipes: lines back reach the socket; the session's end closes it once", () => {
  const b = node("n2");
  const sock = socket();
  b.pipes.open("n1", STATE, sock.s);
  const id = (b.sent[0]!.d as { s: string }).s;
  b.pipes.deliver({ t: "sout", s: id, b: "a\r\n" });
  b.pipes.deliver({ t: "sfin", s: id, b: "ERROR :bye\r\n", r: "" });
  b.pipes.deliver({ t: "sout", s: id, b: "late\r\n" });
  b.pipes.deliver({ t: "sfin", s: id, r: "again" });
  assert.deepEqual(sock.written, ["a\r\n"]);
  assert.deepEqual(sock.closed, [{ last: "ERROR :bye\r\n", reason: "" }]);
});

Deno.test("session pipes: a lost node ends the pipes to it and the sessions from it", async () => {
  const b = node("n2");
  const toLost = socket();
  const toOther = socket();
  b.pipes.open("n1", STATE, toLost.s);
  b.pipes.open("n3", STATE, toOther.s);
  const served: ClientConnection[] = [];
  b.pipes.serve = (connection) => served.push(connection);
  b.pipes.deliver({ t: "sopen", s: "n1/7", n: "n1", st: STATE });
  const ended = served[0]!.readLines({ line: () => {}, tooLong: () => {} });
  b.pipes.nodeLost("n1");
  assert.equal(toLost.closed.length, 1);
  assert.match(toLost.closed[0]!.reason, /node lost/);
  assert.equal(toOther.closed.length, 0);
  assert.match(await ended, /node lost/);
});

Deno.test("session pipes: what cannot be served is refused, and a line for no session closes its socket", () => {
  const a = node("n1");
  a.pipes.deliver({ t: "sopen", s: "n2/1", n: "n2", st: STATE }); // nothing serves here
  a.pipes.serve = () => {};
  a.pipes.deliver({ t: "sopen", s: "n3/1", n: "n2", st: STATE }); // id of another node
  a.pipes.deliver({ t: "sin", s: "n2/9", l: "PRIVMSG #c :hi" });
  assert.deepEqual(a.sent.map((x) => [x.node, x.d.t, (x.d as { s: string }).s]), [
    ["n2", "sfin", "n2/1"],
    ["n3", "sfin", "n3/1"],
    ["n2", "sfin", "n2/9"],
  ]);
});

Deno.test("session pipes: a line Redis never took closes the socket (the network is away)", () => {
  const b = node("n2");
  const sock = socket();
  const pipe = b.pipes.open("n1", STATE, sock.s);
  pipe.line("PRIVMSG #c :lost");
  b.sent[1]!.drop();
  b.sent[0]!.drop();
  assert.equal(sock.closed.length, 1);
  assert.match(sock.closed[0]!.reason, /unavailable/);
});
