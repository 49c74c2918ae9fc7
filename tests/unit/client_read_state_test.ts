/**
 * The client's read state (client/read_state.ts), the MARKREAD throttle and the state that feeds
 * them: which replayed lines were shown already, unread counts against read markers, the prompt
 * that shows them, batches and the account.
 */
import assert from "node:assert/strict";
import type { ChatEvent } from "../../client/events.ts";
import { MarkThrottle } from "../../client/mark_throttle.ts";
import { MAX_UNREAD, parseMarkread, ReadState } from "../../client/read_state.ts";
import { Registration } from "../../client/registration.ts";
import { ClientState } from "../../client/state.ts";
import { promptFor } from "../../client/terminal.ts";
import { parseMessage } from "../../protocol/message.ts";

function line(conversation: string, time: number, extra: Partial<ChatEvent> = {}): ChatEvent {
  return { kind: "message", time: new Date(time), text: `at ${time}`, conversation, ...extra };
}
const live = (current?: string) => ({ replayed: false, current });
const replay = (msgid?: string, current?: string) => ({ replayed: true, msgid, current });

Deno.test("read state: a replayed line is shown only when newer than the newest shown there", () => {
  const r = new ReadState();
  assert.ok(r.admit(line("#x", 100), { ...live("#x"), msgid: "a" }));
  assert.ok(r.admit(line("#X", 200), { ...live("#x"), msgid: "b" }));
  assert.equal(r.newestShown("#x"), 200);
  assert.ok(!r.admit(line("#x", 100), replay("a")), "older: shown before");
  assert.ok(!r.admit(line("#x", 200), replay("b")), "same msgid: shown before");
  assert.ok(r.admit(line("#x", 200), replay("c")), "same millisecond, another msgid: new");
  assert.ok(!r.admit(line("#x", 200), replay()), "same millisecond without a msgid: assumed shown");
  assert.ok(r.admit(line("#x", 300), replay("d")), "newer: new");
  assert.ok(r.admit(line("#y", 50), replay("e")), "another conversation has its own newest");
  assert.ok(r.admit(line("#x", 10), live()), "a live line is always shown");
  const status: ChatEvent = { kind: "status", time: new Date(0), text: "Reconnecting" };
  assert.ok(r.admit(status, replay()), "not a chat line: not judged");
});

Deno.test("read state: unread lines are others' lines elsewhere after the marker", () => {
  const r = new ReadState();
  r.admit(line("#x", 100), live("#x"));
  r.admit(line("#y", 100), live("#x"));
  r.admit(line("#y", 200, { own: true }), live("#x"));
  r.admit(line("#y", 300), live("#x"));
  r.admit(line("bob", 300, { private: true }), live("#x"));
  assert.equal(r.unread("#x"), 0, "the current conversation is being read");
  assert.equal(r.unread("#Y"), 2, "own lines are not unread");
  assert.deepEqual(r.unreadCounts(["#x", "#y", "bob", "#z"]), [["#y", 2], ["bob", 1]]);
  assert.equal(r.setMarker("#y", 100), true);
  assert.equal(r.unread("#y"), 1);
  assert.equal(r.setMarker("#y", 50), false, "a marker never moves back");
  assert.equal(r.marker("#y"), 100);
  r.admit(line("#y", 90), live("#x"));
  assert.equal(r.unread("#y"), 1, "a line the marker covers is read");
  r.clearUnread("bob");
  assert.equal(r.unread("bob"), 0);
});

Deno.test("read state: a replayed mention already read elsewhere is not flagged; unread is capped", () => {
  const r = new ReadState();
  r.setMarker("#x", 500);
  const old = line("#x", 400, { mention: true });
  assert.ok(r.admit(old, replay("a")));
  assert.equal(old.mention, false);
  const fresh = line("#x", 600, { mention: true });
  assert.ok(r.admit(fresh, replay("b")));
  assert.equal(fresh.mention, true);
  for (let t = 1; t <= MAX_UNREAD + 5; t++) r.admit(line("#flood", t), live("#x"));
  assert.equal(r.unread("#flood"), MAX_UNREAD);
  assert.equal(promptFor("#x", r.unreadCounts(["#x", "#flood"])), `[#x | #flood ${MAX_UNREAD}+] `);
});

Deno.test("read state: MARKREAD parameters", () => {
  assert.deepEqual(parseMarkread(["#x", "timestamp=2026-01-02T03:04:05.678Z"]), {
    target: "#x",
    time: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
  });
  assert.deepEqual(parseMarkread(["bob", "*"]), { target: "bob", time: undefined });
  for (const bad of [[], ["#x"], ["", "*"], ["#x", "msgid=1"], ["#x", "timestamp=soon"]]) {
    assert.equal(parseMarkread(bad), undefined, bad.join(" "));
  }
});

Deno.test("prompt: the current conversation, then the others with unread lines", () => {
  assert.equal(promptFor(undefined), "> ");
  assert.equal(promptFor("#x"), "[#x] ");
  assert.equal(promptFor("#x", [["#X", 4]]), "[#x] ", "the current one is not listed");
  assert.equal(promptFor("#x", [["#y", 2], ["bob", 1]]), "[#x | #y 2, bob 1] ");
  assert.equal(promptFor(undefined, [["bob", 1]]), "[bob 1] ");
  assert.equal(promptFor("#x", [["b\x1b[2Job", 1]]), "[#x | b[2Job 1] ", "names sanitized");
});

Deno.test("mark throttle: the first marker goes at once, then one round per interval", () => {
  let now = 1000;
  const sent: string[][] = [];
  let connected = true;
  const t = new MarkThrottle(60_000, (targets) => connected && sent.push(targets) > 0, () => now);
  t.add("#x");
  assert.deepEqual(sent, [["#x"]]);
  t.add("#x");
  t.add("#X");
  t.add("bob");
  assert.deepEqual(sent.length, 1, "within the interval: held");
  assert.deepEqual(t.pending, ["#X", "bob"], "one per conversation");
  t.stop();
  now += 60_000;
  t.flush();
  assert.deepEqual(sent[1], ["#X", "bob"]);
  connected = false;
  now += 60_000;
  t.add("#y");
  assert.deepEqual(t.pending, ["#y"], "kept while there is no connection");
  connected = true;
  t.flush();
  assert.deepEqual(sent[2], ["#y"]);
  assert.deepEqual(t.pending, []);
  t.stop();
});

Deno.test("client state: history batches, the account, and what a reconnect resets", () => {
  const s = new ClientState("alice");
  const apply = (l: string) => s.apply(parseMessage(l)!);
  apply(":srv 001 alice :Welcome");
  s.caps = new Set(["draft/read-marker"]);
  assert.equal(s.keepsMarkers, false, "no account: no markers");
  apply(":srv 900 alice alice!a@h alice :You are now logged in as alice");
  assert.equal(s.account, "alice");
  assert.equal(s.keepsMarkers, true);
  apply(":srv BATCH +b1 chathistory #x");
  apply(":srv BATCH +b2 netsplit a b");
  assert.ok(s.isReplayed(parseMessage("@batch=b1 :bob!b@h PRIVMSG #x :old")!));
  assert.ok(!s.isReplayed(parseMessage("@batch=b2 :bob!b@h QUIT :split")!));
  assert.ok(!s.isReplayed(parseMessage(":bob!b@h PRIVMSG #x :live")!));
  apply(":srv BATCH -b1");
  assert.ok(!s.isReplayed(parseMessage("@batch=b1 :bob!b@h PRIVMSG #x :late")!));
  for (let i = 0; i < 1000; i++) apply(`:srv BATCH +open${i} chathistory #x`);
  assert.ok(s.isReplayed(parseMessage("@batch=open1 :bob!b@h PRIVMSG #x :old")!));
  assert.ok(!s.isReplayed(parseMessage("@batch=open999 :bob!b@h PRIVMSG #x :x")!), "capped");
  s.read.setMarker("#x", 5);
  s.disconnected();
  assert.equal(s.account, undefined);
  assert.equal(s.read.marker("#x"), 5, "what was read outlives the connection");
  apply(":srv 900 alice alice!a@h alice :You are now logged in as alice");
  apply(":srv 901 alice alice!a@h :You are now logged out");
  assert.equal(s.account, undefined);
});

Deno.test("registration: the account SASL logged in to is part of the result", () => {
  const r = new Registration({
    nick: "alice",
    username: "a",
    realname: "A",
    sasl: { account: "Alice", password: "pw" },
  });
  r.handle(parseMessage(":srv 900 alice alice!a@h Alice :You are now logged in as Alice")!);
  const done = r.handle(parseMessage(":srv 001 alice :Welcome")!);
  assert.equal(done.kind === "registered" && done.account, "Alice");
  const plain = new Registration({ nick: "bob", username: "b", realname: "B" });
  const step = plain.handle(parseMessage(":srv 001 bob :Welcome")!);
  assert.equal(step.kind === "registered" && step.account, undefined);
});
