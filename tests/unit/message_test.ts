import assert from "node:assert/strict";
import {
  parseMessage,
  parseSource,
  parseTags,
  serializeMessage,
  serializeTags,
} from "../../protocol/message.ts";

Deno.test("parses command, middle and trailing params", () => {
  assert.deepEqual(parseMessage("PRIVMSG #chat :hello there"), {
    command: "PRIVMSG",
    params: ["#chat", "hello there"],
  });
});

Deno.test("upper-cases the command and keeps a source", () => {
  assert.deepEqual(parseMessage(":nick!u@h privmsg bob :hi"), {
    source: "nick!u@h",
    command: "PRIVMSG",
    params: ["bob", "hi"],
  });
});

Deno.test("tolerates repeated and leading spaces", () => {
  assert.deepEqual(parseMessage("  USER  a   0 *   :Real  Name "), {
    command: "USER",
    params: ["a", "0", "*", "Real  Name "],
  });
});

Deno.test("empty trailing parameter and a trailing parameter with colons", () => {
  assert.deepEqual(parseMessage("TOPIC #c :")?.params, ["#c", ""]);
  assert.deepEqual(parseMessage("PRIVMSG #c ::) a:b")?.params, ["#c", ":) a:b"]);
});

Deno.test("lines without a command are ignored", () => {
  assert.equal(parseMessage(""), undefined);
  assert.equal(parseMessage("   "), undefined);
  assert.equal(parseMessage("@a=b"), undefined);
  assert.equal(parseMessage(":source"), undefined);
});

Deno.test("parses tags with escapes, bare keys and duplicate keys", () => {
  const m = parseMessage("@id=1;+draft/x=a\\sb\\:c\\\\d\\r\\n;flag;id=2;end=x\\ :s CMD");
  assert.deepEqual(m?.tags, { id: "2", "+draft/x": "a b;c\\d\r\n", flag: "", end: "x" });
  assert.equal(m?.source, "s");
});

Deno.test("tag values round-trip through escaping", () => {
  const tags = { a: "semi;colon space\\back\r\n", b: "" };
  assert.deepEqual(parseTags(serializeTags(tags)), tags);
  assert.equal(serializeTags(tags), "a=semi\\:colon\\sspace\\\\back\\r\\n;b");
});

Deno.test("serializes with a colon where the last parameter needs one or is free text", () => {
  assert.equal(serializeMessage({ command: "JOIN", params: ["#a"] }), "JOIN #a");
  assert.equal(
    serializeMessage({ command: "PRIVMSG", params: ["#a", "hi there"], source: "n!u@h" }),
    ":n!u@h PRIVMSG #a :hi there",
  );
  assert.equal(serializeMessage({ command: "TOPIC", params: ["#a", ""] }), "TOPIC #a :");
  assert.equal(serializeMessage({ command: "X", params: [":)"] }), "X ::)");
  assert.equal(
    serializeMessage({ command: "PRIVMSG", params: ["#a", "x"], tags: { time: "t" } }),
    "@time=t PRIVMSG #a :x",
  );
});

Deno.test("serializing can never inject CR, LF or NUL", () => {
  const line = serializeMessage({ command: "TOPIC", params: ["#a", "x\r\nQUIT :pwned\0"] });
  assert.equal(line, "TOPIC #a :x  QUIT :pwned ");
  assert.ok(!/[\r\n\0]/.test(line));
});

Deno.test("a bad middle parameter cannot shift the others", () => {
  assert.equal(
    serializeMessage({ command: "432", params: ["me", "a b\r", "Erroneous nickname"] }),
    "432 me a_b_ :Erroneous nickname",
  );
  assert.equal(serializeMessage({ command: "X", params: [":)", "", "end"] }), "X _:) _ end");
});

Deno.test("parse(serialize(m)) is m for varied messages", () => {
  const cases = [
    { command: "PRIVMSG", params: ["#a", "hello :) world"], source: "a!b@c" },
    { command: "NOTICE", params: ["*", ""], source: "srv" },
    { command: "MODE", params: ["#a", "+ov", "x", "y"] },
    { command: "001", params: ["nick", "Welcome"], source: "srv", tags: { msgid: "1" } },
  ];
  for (const m of cases) assert.deepEqual(parseMessage(serializeMessage(m)), m);
});

Deno.test("splits a source into nick, user and host", () => {
  assert.deepEqual(parseSource("nick!user@host"), { nick: "nick", user: "user", host: "host" });
  assert.deepEqual(parseSource("irc.example.org"), { nick: "irc.example.org" });
  assert.deepEqual(parseSource("nick@host"), { nick: "nick", host: "host" });
});

Deno.test("tag names must match the IRCv3 grammar; others are dropped, never relayed", () => {
  assert.deepEqual(parseTags("+x\rQUIT;+y=1"), { "+y": "1" });
  assert.deepEqual(parseTags("=v;+=w;;+e=1"), { "+e": "1" }, "empty names");
  assert.deepEqual(parseTags("+\ufffd=1;+\x01=2;+k\0ey=3;+b"), { "+b": "" }, "binary names");
  assert.deepEqual(
    parseTags("+a b=1;+x_y=1;+.v/n=1;+v./n=1;+v/=1;/n=1;+v/n/m=1"),
    {},
    "broken grammar",
  );
  assert.deepEqual(
    parseTags("msgid=1;+draft/reply=2;+example.com/x-y=3;a-1=4;+typing=active"),
    { msgid: "1", "+draft/reply": "2", "+example.com/x-y": "3", "a-1": "4", "+typing": "active" },
  );
  assert.equal(serializeTags({ "+x\rQUIT": "1", "": "v", "+ok": "1", "a b": "c" }), "+ok=1");
});

Deno.test("tag values never carry NUL, nor CR or LF unescaped", () => {
  assert.deepEqual(parseTags("+n=a\0b\rc"), { "+n": "abc" }, "raw NUL and CR are dropped");
  assert.deepEqual(parseTags("+n=a\\rb\\nc"), { "+n": "a\rb\nc" }, "escaped CR and LF stay");
  assert.equal(serializeTags({ "+n": "a\0b\r\nc" }), "+n=ab\\r\\nc");
});

Deno.test("the source and command cannot break the line either", () => {
  assert.equal(
    serializeMessage({ source: "evil\r\n!x@y z", command: "PRIV\0MSG", params: ["#a", "hi"] }),
    ":evil__!x@y_z PRIV_MSG #a hi",
  );
});
