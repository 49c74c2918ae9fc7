import assert from "node:assert/strict";
import { msg } from "../../protocol/message.ts";
import { PlainTextView } from "../../server/plaintext.ts";
import { Channel } from "../../server/state/channel.ts";
import { User } from "../../server/state/user.ts";

const sink = { send() {}, terminate() {} };

function me(nick = "zoe"): User {
  const u = new User(1, "127.0.0.1", sink);
  u.setNick(nick);
  return u;
}

function chatting(current = "#lobby"): PlainTextView {
  const v = new PlainTextView();
  v.choosingNick = false;
  v.current = current;
  return v;
}

Deno.test("the first line is the nickname: USER and NICK are sent", () => {
  const v = new PlainTextView();
  const r = v.input("zoe\r", me("*"));
  assert.deepEqual(r.send.map((m) => m.command), ["USER", "NICK"]);
  assert.equal(r.send[1]!.params[0], "zoe");
});

Deno.test("typed text goes to the current channel; // escapes a leading slash", () => {
  const v = chatting();
  assert.deepEqual(v.input("hello there", me()).send, [msg("PRIVMSG", ["#lobby", "hello there"])]);
  assert.deepEqual(v.input("//etc/passwd", me()).send, [msg("PRIVMSG", ["#lobby", "/etc/passwd"])]);
  assert.deepEqual(v.input("   ", me()), { send: [], show: [] });
});

Deno.test("slash commands become IRC commands", () => {
  const v = chatting();
  const u = me();
  const sent = (line: string) => v.input(line, u).send;
  assert.deepEqual(sent("/nick zed"), [msg("NICK", ["zed"])]);
  assert.deepEqual(sent("/join #dev"), [msg("JOIN", ["#dev"])]);
  assert.deepEqual(sent("/part"), [msg("PART", ["#lobby"])]);
  assert.deepEqual(sent("/part #dev bye now"), [msg("PART", ["#dev", "bye now"])]);
  assert.deepEqual(sent("/msg bob hi there"), [msg("PRIVMSG", ["bob", "hi there"])]);
  assert.deepEqual(sent("/me waves"), [msg("PRIVMSG", ["#lobby", "\x01ACTION waves\x01"])]);
  assert.deepEqual(sent("/who"), [msg("NAMES", ["#lobby"])]);
  assert.deepEqual(sent("/list"), [msg("LIST", [])]);
  assert.deepEqual(sent("/topic"), [msg("TOPIC", ["#lobby"])]);
  assert.deepEqual(sent("/topic new topic"), [msg("TOPIC", ["#lobby", "new topic"])]);
  assert.deepEqual(sent("/quit gotta go"), [msg("QUIT", ["gotta go"])]);
  assert.ok(v.input("/help", u).show.some((l) => l.includes("/msg NICK TEXT")));
  assert.match(v.input("/frobnicate", u).show[0]!, /Unknown command \/frobnicate/);
});

Deno.test("control characters typed or sent by telnet are dropped", () => {
  const v = chatting();
  assert.deepEqual(v.input("hi\x07 \x1b[31mthere\x00", me()).send, [
    msg("PRIVMSG", ["#lobby", "hi [31mthere"]),
  ]);
});

Deno.test("renders chat lines readably, with the channel only when not current", () => {
  const v = chatting();
  const u = me();
  const at = new Date(2026, 0, 1, 12, 1).getTime();
  const r = (m: ReturnType<typeof msg>) => v.render(m, at, u);
  assert.deepEqual(r(msg("PRIVMSG", ["#lobby", "hi"], "alice!a@h")), ["[12:01] <alice> hi"]);
  assert.deepEqual(r(msg("PRIVMSG", ["#dev", "yo"], "alice!a@h")), ["[12:01] #dev <alice> yo"]);
  assert.deepEqual(r(msg("PRIVMSG", ["zoe", "psst"], "alice!a@h")), ["[12:01] *alice* psst"]);
  assert.deepEqual(r(msg("PRIVMSG", ["#lobby", "\x01ACTION waves\x01"], "bob!b@h")), [
    "[12:01] * bob waves",
  ]);
  assert.deepEqual(r(msg("NOTICE", ["#lobby", "note"], "bob!b@h")), ["[12:01] -bob- note"]);
  assert.deepEqual(r(msg("JOIN", ["#lobby"], "bob!b@h")), ["* bob joined #lobby"]);
  assert.deepEqual(r(msg("PART", ["#lobby", "bye"], "bob!b@h")), ["* bob left #lobby (bye)"]);
  assert.deepEqual(r(msg("QUIT", ["Quit: zzz"], "bob!b@h")), ["* bob quit (Quit: zzz)"]);
  assert.deepEqual(r(msg("NICK", ["rob"], "bob!b@h")), ["* bob is now known as rob"]);
  assert.deepEqual(r(msg("401", ["zoe", "ghost", "No such nick/channel"], "srv")), [
    "! ghost: No such nick/channel",
  ]);
  assert.deepEqual(r(msg("005", ["zoe", "A=1", "are supported"], "srv")), []);
});

Deno.test("own JOIN makes a channel current; PART/KICK moves to another one", () => {
  const v = chatting(undefined as unknown as string);
  const u = me();
  v.render(msg("JOIN", ["#a"], "zoe!z@h"), undefined, u);
  assert.equal(v.current, "#a");
  const a = new Channel("#a"), b = new Channel("#b");
  u.channels.set("#a", a).set("#b", b);
  const lines = v.render(msg("KICK", ["#a", "zoe", "out"], "op!o@h"), undefined, u);
  assert.deepEqual(lines, ["* You were kicked from #a by op (out)", "* Current channel is now #b"]);
  assert.equal(v.current, "#b");
});

Deno.test("a taken nickname during the prompt asks again", () => {
  const v = new PlainTextView();
  const lines = v.render(msg("433", ["*", "zoe", "Nickname is already in use"], "srv"), 0, me("*"));
  assert.deepEqual(lines, ["! The nickname zoe is taken.", "*** Pick a nickname:"]);
});

Deno.test("rendered lines carry no colour codes or control characters", () => {
  const v = chatting();
  const lines = v.render(
    msg("PRIVMSG", ["#lobby", "\x0304,01red\x03 \x02bold\x02 \x1b[2Jclear\rover"], "eve!e@h"),
    0,
    me(),
  );
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /<eve> red bold \[2Jclearover$/);
});

Deno.test("C1 controls and bidirectional overrides never reach a plain terminal", () => {
  const v = chatting();
  const u = me();
  const evil = "a\u009b2Jb\u202ec\u2066d\u2069e\u200ff\u061cg\u0085h";
  const lines = [
    ...v.render(msg("PRIVMSG", ["#lobby", evil], "bob!b@h"), 0, u),
    ...v.render(msg("TOPIC", ["#lobby", evil], "bob!b@h"), 0, u),
    ...v.render(msg("PART", ["#lobby", evil], "bob!b@h"), 0, u),
    ...v.render(msg("QUIT", [evil], "bob!b@h"), 0, u),
    ...v.render(msg("KICK", ["#lobby", "carl", evil], "bob!b@h"), 0, u),
    ...v.render(msg("322", ["zoe", `#x\u202e`, "3", evil], "srv"), 0, u),
    ...v.render(msg("332", ["zoe", "#lobby", evil], "srv"), 0, u),
    ...v.render(msg("301", ["zoe", "bob", evil], "srv"), 0, u),
  ];
  assert.equal(lines.length, 8);
  for (const line of lines) {
    // deno-lint-ignore no-control-regex
    assert.doesNotMatch(line, /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
  }
  assert.ok(lines[0]!.endsWith("<bob> a2Jbcdefgh"));
});
