import assert from "node:assert/strict";
import { serializeMessage } from "../../protocol/message.ts";
import {
  type CommandContext,
  COMMANDS,
  helpLines,
  type InputAction,
  interpret,
  maxTextBytes,
} from "../../client/commands.ts";
import { utf8Length } from "../../client/text.ts";

const ctx: CommandContext = {
  current: "#lobby",
  nick: "alice",
  isChannel: (n) => n.startsWith("#"),
  windows: ["#lobby", "#dev", "bob"],
};

/** The wire lines a typed line sends, or the action kind when it sends nothing. */
function wire(line: string, c: CommandContext = ctx): string[] | string {
  const a = interpret(line, c);
  if (a.kind === "send" || a.kind === "open") return a.messages.map((m) => serializeMessage(m));
  return a.kind === "error" ? `error: ${a.message}` : a.kind;
}

Deno.test("commands: plain text goes to the current conversation", () => {
  assert.deepEqual(wire("hello world"), ["PRIVMSG #lobby :hello world"]);
  assert.deepEqual(wire("//slash at start"), ["PRIVMSG #lobby :/slash at start"]);
  assert.equal(wire("   "), "nothing");
  assert.match(wire("hi", { ...ctx, current: undefined }) as string, /^error: No current/);
});

Deno.test("commands: every slash command builds the right lines", () => {
  const cases: [string, string[]][] = [
    ["/join #dev", ["JOIN #dev"]],
    ["/join dev,#ops key", ["JOIN #dev,#ops key"]],
    ["/j #x", ["JOIN #x"]],
    ["/part", ["PART #lobby"]],
    ["/part #dev see you", ["PART #dev :see you"]],
    ["/part going home", ["PART #lobby :going home"]],
    ["/msg bob hi there", ["PRIVMSG bob :hi there"]],
    ["/notice bob fyi", ["NOTICE bob :fyi"]],
    ["/me waves", ["PRIVMSG #lobby :\x01ACTION waves\x01"]],
    ["/nick alicia", ["NICK alicia"]],
    ["/topic", ["TOPIC #lobby"]],
    ["/topic new topic here", ["TOPIC #lobby :new topic here"]],
    ["/topic #dev dev things", ["TOPIC #dev :dev things"]],
    ["/names", ["NAMES #lobby"]],
    ["/names #dev", ["NAMES #dev"]],
    ["/who", ["WHO #lobby"]],
    ["/who *.example", ["WHO *.example"]],
    ["/whois bob", ["WHOIS bob"]],
    ["/list", ["LIST"]],
    ["/list >3", ["LIST >3"]],
    ["/away lunch", ["AWAY :lunch"]],
    ["/away", ["AWAY"]],
    ["/raw PRIVMSG #x :raw text", ["PRIVMSG #x :raw text"]],
    ["/quote VERSION", ["VERSION"]],
    ["/query carol hi", ["PRIVMSG carol :hi"]],
  ];
  for (const [typed, expected] of cases) assert.deepEqual(wire(typed), expected, typed);
});

Deno.test("commands: local actions and errors", () => {
  assert.deepEqual(interpret("/query carol", ctx), { kind: "open", target: "carol", messages: [] });
  assert.deepEqual(interpret("/switch 2", ctx), { kind: "open", target: "#dev", messages: [] });
  assert.deepEqual(interpret("/switch BOB", ctx), { kind: "open", target: "bob", messages: [] });
  assert.match((interpret("/switch 9", ctx) as { message: string }).message, /open: 1:#lobby/);
  assert.deepEqual(interpret("/part", { ...ctx, current: "bob" }), {
    kind: "close",
    target: "bob",
  });
  assert.deepEqual(interpret("/quit gone fishing", ctx), { kind: "quit", reason: "gone fishing" });
  assert.deepEqual(interpret("/QUIT", ctx), { kind: "quit", reason: "" });
  const join = interpret("/join #a,#b", ctx) as Extract<InputAction, { kind: "send" }>;
  assert.deepEqual(join.switchOnJoin, ["#a"]);
  assert.equal(wire("/msg bob"), "error: Usage: /msg nick|#channel text");
  assert.equal(wire("/whois"), "error: Usage: /whois nick");
  assert.equal(wire("/frobnicate"), "error: Unknown command /frobnicate (try /help)");
  assert.equal(wire("/query #chan"), "error: Use /join for channels");
});

Deno.test("commands: /help lists every command and the keys, one line each", () => {
  const a = interpret("/help", ctx);
  assert.equal(a.kind, "show");
  const lines = (a as { lines: string[] }).lines;
  assert.deepEqual(lines, helpLines());
  for (
    const name of [
      "join",
      "part",
      "msg",
      "query",
      "me",
      "nick",
      "topic",
      "names",
      "who",
      "whois",
      "list",
      "away",
      "quit",
      "raw",
      "help",
      "switch",
    ]
  ) {
    assert.ok(COMMANDS.some((c) => c.name === name), name);
    assert.equal(
      lines.filter((l) => l.trimStart().startsWith(`/${name} `) || l.trim() === `/${name}`).length,
      1,
      name,
    );
  }
  assert.ok(lines.some((l) => l.includes("Alt-1")) && lines.some((l) => l.includes("Tab")));
});

Deno.test("commands: long text is split so each relayed line fits in 512 bytes", () => {
  const text = "word ".repeat(300).trim();
  const a = interpret(text, ctx) as Extract<InputAction, { kind: "send" }>;
  assert.ok(a.messages.length >= 3);
  const relayed = a.messages.map((m) =>
    `:alice!${"u".repeat(10)}@${"h".repeat(63)} ${serializeMessage(m)}\r\n`
  );
  assert.ok(relayed.every((l) => utf8Length(l) <= 512), relayed.map(utf8Length).join(","));
  assert.equal(a.messages.map((m) => m.params[1]).join(" "), text);
  assert.ok(maxTextBytes("alice", "#lobby") > 350);
  const me = interpret(`/me ${"x".repeat(600)}`, ctx) as Extract<InputAction, { kind: "send" }>;
  assert.equal(me.messages.length, 2);
  assert.ok(
    me.messages.every((m) =>
      m.params[1]!.startsWith("\x01ACTION ") && m.params[1]!.endsWith("\x01")
    ),
  );
});
