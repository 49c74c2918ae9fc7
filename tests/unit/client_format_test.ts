import assert from "node:assert/strict";
import type { ChatEvent } from "../../client/events.ts";
import {
  clock,
  formatEvent,
  type Formatted,
  nickColor,
  plainLine,
  render,
  useColor,
} from "../../client/format.ts";

const T = new Date(2024, 4, 1, 9, 5, 7); // local 09:05:07

function msg(extra: Partial<ChatEvent>): ChatEvent {
  return {
    kind: "message",
    time: T,
    text: "hello",
    conversation: "#lobby",
    target: "#lobby",
    from: "bob",
    own: false,
    private: false,
    ...extra,
  };
}

const plain = (f: Formatted) => render(f, { color: false, width: 0 })[0];
const ctx = { current: "#lobby" };

Deno.test("format: timestamp, marker, label only outside the current conversation", () => {
  assert.equal(clock(T), "09:05");
  assert.equal(plain(formatEvent(msg({}), ctx)), "09:05  <bob> hello");
  assert.equal(plain(formatEvent(msg({ conversation: "#dev" }), ctx)), "09:05  #dev <bob> hello");
  assert.equal(plain(formatEvent(msg({ own: true, from: "me" }), ctx)), "09:05 ><me> hello");
  assert.equal(plain(formatEvent(msg({ mention: true }), ctx)), "09:05 !<bob> hello");
  assert.equal(
    plain(formatEvent(msg({ kind: "action", text: "waves" }), ctx)),
    "09:05  * bob waves",
  );
});

Deno.test("format: private messages in ircII style when not current", () => {
  const priv = msg({ private: true, conversation: "bob", target: "me" });
  assert.equal(plain(formatEvent(priv, ctx)), "09:05  *bob* hello");
  assert.equal(plain(formatEvent(priv, { current: "bob" })), "09:05  <bob> hello");
  const sent = msg({ private: true, own: true, from: "me", conversation: "bob", target: "bob" });
  assert.equal(plain(formatEvent(sent, ctx)), "09:05 >-> *bob* hello");
});

Deno.test("format: notices, presence, errors and status are distinct", () => {
  assert.equal(plain(formatEvent(msg({ kind: "notice" }), ctx)), "09:05  -bob- hello");
  const base = { time: T, text: "x" };
  assert.equal(
    plain(formatEvent({ ...base, kind: "presence", conversation: "#lobby" }, ctx)),
    "09:05  -- x",
  );
  assert.equal(plain(formatEvent({ ...base, kind: "error" }, ctx)), "09:05  !! x");
  assert.equal(plain(formatEvent({ ...base, kind: "status" }, ctx)), "09:05  ** x");
  const colored = (e: ChatEvent) => render(formatEvent(e, ctx), { color: true, width: 0 })[0]!;
  assert.ok(colored({ ...base, kind: "presence" }).endsWith("\x1b[2m-- \x1b[0m\x1b[2mx\x1b[0m"));
  assert.ok(colored({ ...base, kind: "error" }).endsWith("\x1b[1;31mx\x1b[0m"));
  assert.ok(colored(msg({ kind: "notice" })).includes("\x1b[35mhello"));
  assert.ok(colored(msg({ mention: true })).endsWith("\x1b[1;33mhello\x1b[0m"));
});

Deno.test("format: nick colours are stable, case-insensitive and varied", () => {
  assert.equal(nickColor("bob"), nickColor("BOB"));
  assert.equal(nickColor("bob"), nickColor("bob"));
  const colors = new Set(
    ["alice", "bob", "carol", "dave", "erin", "frank", "grace"].map(nickColor),
  );
  assert.ok(colors.size >= 4, `only ${colors.size} colours`);
  const line = render(formatEvent(msg({}), ctx), { color: true, width: 0 })[0]!;
  assert.ok(line.includes(`\x1b[${nickColor("bob")}mbob\x1b[0m`), JSON.stringify(line));
  const own = render(formatEvent(msg({ own: true, from: "me" }), ctx), {
    color: true,
    width: 0,
  })[0]!;
  assert.ok(own.includes("\x1b[1mme\x1b[0m"), "own nick in bold");
});

Deno.test("format: wrapping keeps continuation lines under the text", () => {
  const long = msg({ text: "one two three four five six seven eight nine ten eleven twelve" });
  const lines = render(formatEvent(long, ctx), { color: false, width: 40 });
  assert.deepEqual(lines, [
    "09:05  <bob> one two three four five six",
    "             seven eight nine ten eleven",
    "             twelve",
  ]);
  assert.ok(lines.every((l) => l.length <= 40));
  // A very narrow terminal: no indentation games, the terminal wraps.
  assert.equal(render(formatEvent(long, ctx), { color: false, width: 25 }).length, 1);
});

Deno.test("plain lines for pipe mode: other people's messages only, no colour", () => {
  assert.equal(plainLine(msg({})), "[09:05:07] #lobby <bob> hello");
  assert.equal(plainLine(msg({ kind: "action", text: "waves" })), "[09:05:07] #lobby * bob waves");
  assert.equal(plainLine(msg({ kind: "notice" })), "[09:05:07] #lobby -bob- hello");
  assert.equal(plainLine(msg({ private: true, target: "ci" })), "[09:05:07] ci <bob> hello");
  assert.equal(plainLine(msg({ own: true })), undefined);
  assert.equal(plainLine(msg({ kind: "notice", fromServer: true })), undefined);
  assert.equal(plainLine({ kind: "presence", time: T, text: "x joined" }), undefined);
});

Deno.test("colour is off for NO_COLOR, dumb terminals and non-terminals", () => {
  assert.equal(useColor({ TERM: "xterm-256color" }, true), true);
  assert.equal(useColor({ TERM: "xterm", NO_COLOR: "1" }, true), false);
  assert.equal(useColor({ TERM: "xterm", NO_COLOR: "" }, true), true);
  assert.equal(useColor({ TERM: "dumb" }, true), false);
  assert.equal(useColor({ TERM: "xterm" }, false), false);
});

Deno.test("format: nicks and channel names from the server are sanitized too", () => {
  // another network may allow anything in a nick or channel name; nothing reaches the terminal
  const evil = msg({
    from: "ev\x1b[2Jil\u202e",
    conversation: "#o\u009bther",
    target: "#o\u009bther",
    text: "hi",
  });
  assert.equal(plain(formatEvent(evil, ctx)), "09:05  #other <ev[2Jil> hi");
  assert.equal(plainLine(evil), "[09:05:07] #other <ev[2Jil> hi");
});
