import assert from "node:assert/strict";
import { parseMessage, serializeMessage } from "../../protocol/message.ts";
import {
  alternativeNicks,
  Registration,
  type RegistrationStep,
} from "../../client/registration.ts";

const ID = { nick: "alice", username: "al", realname: "Alice A" };

function step(r: Registration, line: string): RegistrationStep {
  return r.handle(parseMessage(line)!);
}
function sent(s: RegistrationStep): string[] {
  return s.kind === "progress" ? s.send.map((m) => serializeMessage(m)) : [];
}

Deno.test("registration: opening lines, with PASS first when a password is set", () => {
  assert.deepEqual(new Registration(ID).start().map((m) => serializeMessage(m)), [
    "CAP LS 302",
    "NICK alice",
    "USER al 0 * :Alice A",
  ]);
  const withPass = new Registration({ ...ID, password: "s3cret" }).start();
  assert.equal(serializeMessage(withPass[0]!), "PASS s3cret");
});

Deno.test("registration: requests only offered caps, across multi-line LS, then ends", () => {
  const r = new Registration(ID);
  assert.deepEqual(sent(step(r, ":srv CAP * LS * :multi-prefix sasl=PLAIN")), []);
  assert.deepEqual(sent(step(r, ":srv CAP * LS :server-time away-notify")), [
    "CAP REQ :server-time multi-prefix",
  ]);
  assert.deepEqual(sent(step(r, ":srv CAP * ACK :server-time multi-prefix")), ["CAP END"]);
  const done = step(r, ":srv 001 alice :Welcome");
  assert.equal(done.kind, "registered");
  assert.deepEqual(done.kind === "registered" && [...done.caps].sort(), [
    "multi-prefix",
    "server-time",
  ]);
});

Deno.test("registration: no wanted caps, NAK, or a server without CAP all register", () => {
  const none = new Registration(ID);
  assert.deepEqual(sent(step(none, ":srv CAP * LS :sasl")), ["CAP END"]);
  const nak = new Registration(ID);
  step(nak, ":srv CAP * LS :server-time");
  assert.deepEqual(sent(step(nak, ":srv CAP * NAK :server-time")), ["CAP END"]);
  const old = new Registration(ID);
  assert.deepEqual(step(old, ":old.server 421 * CAP :Unknown command"), {
    kind: "progress",
    send: [],
  });
  assert.equal(step(old, ":old.server 001 alice :hi").kind, "registered");
  assert.equal(step(new Registration(ID), ":srv NOTICE * :hello").kind, "ignored");
});

Deno.test("registration: a taken nick becomes nick_, nick__, … and says so", () => {
  const r = new Registration(ID);
  const first = step(r, ":srv 433 * alice :Nickname is already in use");
  assert.deepEqual(sent(first), ["NICK alice_"]);
  assert.equal(
    first.kind === "progress" && first.notice,
    "Nickname alice is already in use; using alice_",
  );
  assert.deepEqual(sent(step(r, ":srv 433 * alice_ :Nickname is already in use")), [
    "NICK alice__",
  ]);
  assert.equal(r.nick, "alice__");
  const refused = step(r, ":srv 432 * alice__ :Erroneous nickname");
  assert.deepEqual(sent(refused), ["NICK alice_1"], "a refused alternative is skipped");
  assert.equal(step(r, ":srv 001 alice_ :hi").kind, "registered");
});

Deno.test("registration: fatal refusals", () => {
  const bad = step(new Registration(ID), ":srv 432 * alice :Erroneous nickname");
  assert.equal(bad.kind, "failed");
  assert.match(bad.kind === "failed" ? bad.reason : "", /rejected the nickname alice/);
  assert.equal(step(new Registration(ID), ":srv 464 * :Password incorrect").kind, "failed");
  const r = new Registration(ID);
  let last: RegistrationStep = { kind: "ignored" };
  for (let i = 0; i < 20 && last.kind !== "failed"; i++) {
    last = step(r, `:srv 433 * ${r.nick} :in use`);
  }
  assert.equal(last.kind, "failed", "gives up after the alternatives run out");
});

Deno.test("alternative nicks fit RFC 1459's 9 characters after the first tries", () => {
  const alts = alternativeNicks("averylongnickname");
  assert.deepEqual(alts.slice(0, 3), ["averylongnickname_", "averylongnickname__", "averylon_"]);
  assert.deepEqual(alternativeNicks("alice").slice(0, 3), ["alice_", "alice__", "alice_1"]);
  assert.ok(alts.slice(2).every((n) => n.length <= 9));
  assert.equal(new Set(alts).size, alts.length);
});
