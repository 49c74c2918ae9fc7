import assert from "node:assert/strict";
import {
  actionText,
  completeNick,
  fold,
  formatLine,
  nickHue,
  parseInput,
  parseLine,
  reconnectDelay,
  saslPlain,
  splitNamesEntry,
  stripFormatting,
} from "../../web/irc.js";

Deno.test("web irc: lines parse with tags, source and trailing parameter", () => {
  const m = parseLine("@time=2026-01-02T03:04:05.000Z;msgid=a\\sb :al!u@h PRIVMSG #c :hi there");
  assert.deepEqual(m, {
    tags: { time: "2026-01-02T03:04:05.000Z", msgid: "a b" },
    source: "al!u@h",
    nick: "al",
    command: "PRIVMSG",
    params: ["#c", "hi there"],
  });
  assert.deepEqual(parseLine("ping :x")?.params, ["x"]);
  assert.equal(parseLine(":only.source"), undefined);
  assert.equal(parseLine(""), undefined);
});

Deno.test("web irc: lines are built with a trailing parameter when needed, newlines cut", () => {
  assert.equal(formatLine("PRIVMSG", ["#c", "hello world"]), "PRIVMSG #c :hello world");
  assert.equal(formatLine("JOIN", ["#c"]), "JOIN #c");
  assert.equal(formatLine("PRIVMSG", ["#c", ":)"]), "PRIVMSG #c ::)");
  assert.equal(formatLine("PRIVMSG", ["#c", "a\r\nQUIT"]), "PRIVMSG #c :a QUIT");
  assert.equal(formatLine("QUIT"), "QUIT");
});

Deno.test("web irc: typed lines become IRC lines", () => {
  assert.deepEqual(parseInput("hello", "#c"), { send: ["PRIVMSG #c hello"] });
  assert.deepEqual(parseInput("hello there", "#c"), { send: ["PRIVMSG #c :hello there"] });
  assert.deepEqual(parseInput("//not a command", "#c"), { send: ["PRIVMSG #c :/not a command"] });
  assert.match(parseInput("hello", undefined).error ?? "", /Join a channel first/);
  assert.deepEqual(parseInput("/join chat,#b", "#c"), { send: ["JOIN #chat,#b"], open: "#chat" });
  assert.deepEqual(parseInput("/part", "#c").send, ["PART #c"]);
  assert.deepEqual(parseInput("/part #d going home", "#c").send, ["PART #d :going home"]);
  assert.deepEqual(parseInput("/msg bob hi there", "#c"), { send: ["PRIVMSG bob :hi there"] });
  assert.deepEqual(parseInput("/query bob hi", "#c"), { send: ["PRIVMSG bob hi"], open: "bob" });
  assert.deepEqual(parseInput("/query bob", "#c"), { send: [], open: "bob" });
  assert.deepEqual(parseInput("/me waves", "#c").send, ["PRIVMSG #c :\x01ACTION waves\x01"]);
  assert.deepEqual(parseInput("/nick newnick", "#c").send, ["NICK newnick"]);
  assert.deepEqual(parseInput("/topic new topic", "#c").send, ["TOPIC #c :new topic"]);
  assert.deepEqual(parseInput("/topic", "#c").send, ["TOPIC #c"]);
  assert.deepEqual(parseInput("/quit bye now", "#c"), { send: ["QUIT :bye now"], quit: true });
  assert.deepEqual(parseInput("/quote MODE #c +m", "#c").send, ["MODE #c +m"]);
  assert.equal(parseInput("/help", "#c").help, true);
  assert.match(parseInput("/frobnicate", "#c").error ?? "", /Unknown command/);
  assert.match(parseInput("/msg bob", "#c").error ?? "", /Usage/);
});

Deno.test("web irc: Tab completes nicks, cycles, and adds ': ' at the line start", () => {
  const nicks = ["alice", "Albert", "bob"];
  const first = completeNick("al", 2, nicks, undefined)!;
  assert.deepEqual([first.value, first.cursor], ["Albert: ", 8]);
  const second = completeNick(first.value, first.cursor, nicks, first.state)!;
  assert.equal(second.value, "alice: ");
  const third = completeNick(second.value, second.cursor, nicks, second.state)!;
  assert.equal(third.value, "Albert: ");
  const mid = completeNick("hi b and more", 4, nicks, undefined)!;
  assert.deepEqual([mid.value, mid.cursor], ["hi bob and more", 7]);
  assert.equal(completeNick("zed", 3, nicks, undefined), undefined, "no match: Tab moves focus");
  assert.equal(completeNick("", 0, nicks, undefined), undefined);
  assert.equal(completeNick("/jo", 3, nicks, undefined), undefined);
});

Deno.test("web irc: small helpers", () => {
  assert.equal(nickHue("alice"), nickHue("ALICE"), "one colour per person");
  assert.ok(nickHue("alice") >= 0 && nickHue("alice") < 360);
  assert.notEqual(nickHue("alice"), nickHue("bob"));
  assert.equal(fold("Nick[A]"), "nick{a}");
  assert.equal(fold("Nick[A]", "ascii"), "nick[a]");
  assert.equal(actionText("\x01ACTION waves\x01"), "waves");
  assert.equal(actionText("plain"), undefined);
  assert.equal(stripFormatting("\x02bold\x02 \x0304,01red\x03 ok"), "bold red ok");
  assert.deepEqual(splitNamesEntry("@+alice", "@+"), { prefix: "@", nick: "alice" });
  assert.deepEqual(splitNamesEntry("bob!u@h", "@+"), { prefix: "", nick: "bob" });
  assert.equal(reconnectDelay(0, 0.5), 1000);
  assert.equal(reconnectDelay(3, 0.5), 8000);
  assert.equal(reconnectDelay(20, 0.5), 30000);
});

Deno.test("web irc: SASL PLAIN is UTF-8 base64 in 400-character chunks, + after a full one", () => {
  const [one, ...none] = saslPlain("zoë", "pässword");
  assert.deepEqual(none, []);
  const bytes = Uint8Array.from(atob(one!), (c) => c.charCodeAt(0));
  assert.equal(new TextDecoder().decode(bytes), "\0zoë\0pässword");
  // 7 + 293 bytes are 400 base64 characters exactly: an empty chunk (+) ends it.
  const full = saslPlain("alice", "x".repeat(293));
  assert.deepEqual([full.length, full[0]!.length, full[1]], [2, 400, "+"]);
  const long = saslPlain("alice", "x".repeat(400));
  assert.deepEqual(long.map((c) => c.length), [400, 144]);
});
