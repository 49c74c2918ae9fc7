import assert from "node:assert/strict";
import {
  classify,
  Cmd,
  lastParam,
  LineSplitter,
  messageTemplate,
  nickOf,
  readTrailer,
  stampMessage,
  tagCode,
  type Trailer,
  TRAILER_BYTES,
} from "../../bench/wire.ts";

const enc = new TextEncoder(), dec = new TextDecoder();

function lines(chunks: string[]): string[] {
  const s = new LineSplitter();
  const got: string[] = [];
  for (const c of chunks) {
    s.push(enc.encode(c), (b, a, e) => got.push(dec.decode(b.subarray(a, e))));
  }
  return got;
}

Deno.test("bench wire: a stamped message keeps its payload size and its trailer decodes", () => {
  const t = messageTemplate("#bench3", "k7", 42, 64);
  const out = new Uint8Array(200);
  const end = stampMessage(t, out, 5, 1234, 987654321);
  const line = dec.decode(out.subarray(5, end));
  assert.match(line, /^PRIVMSG #bench3 :\.+~k7\d{24}\r\n$/);
  assert.equal(line.length - "PRIVMSG #bench3 :".length - 2, 64);
  // What a receiver gets: the server's prefix in front, CRLF stripped.
  const relayed = enc.encode(`:bxx1a!~bxx1a@127.0.0.1 ${line.slice(0, -2)}`);
  const tr: Trailer = { tag: 0, sender: 0, seq: 0, timeUs: 0 };
  assert.ok(readTrailer(relayed, 0, relayed.length, tr));
  assert.deepEqual(tr, { tag: tagCode("k7"), sender: 42, seq: 1234, timeUs: 987654321 });
});

Deno.test("bench wire: lines that are not bench messages have no trailer", () => {
  const tr: Trailer = { tag: 0, sender: 0, seq: 0, timeUs: 0 };
  for (
    const text of [
      ":a!b@c PRIVMSG #x :hello",
      ":a!b@c PRIVMSG #x :hi " + "~".padEnd(TRAILER_BYTES, "9"), // after a space
      ":a!b@c PRIVMSG #x :.~ab0000100000010000000000x1", // a non-digit
      "PING :x",
    ]
  ) {
    const b = enc.encode(text);
    assert.equal(readTrailer(b, 0, b.length, tr), false, text);
  }
});

Deno.test("bench wire: classify finds the command past tags and source", () => {
  const info = { cmd: Cmd.OTHER as Cmd, numeric: 0 };
  const c = (text: string) => {
    const b = enc.encode(text);
    classify(b, 0, b.length, info);
    return [info.cmd, info.numeric];
  };
  assert.deepEqual(c("PING :tok"), [Cmd.PING, 0]);
  assert.deepEqual(c(":srv PONG srv :17"), [Cmd.PONG, 0]);
  assert.deepEqual(c("@time=x :srv 366 me #c :End"), [Cmd.NUMERIC, 366]);
  assert.deepEqual(c(":srv 001 me :Welcome"), [Cmd.NUMERIC, 1]);
  assert.deepEqual(c("ERROR :Closing Link"), [Cmd.ERROR, 0]);
  assert.deepEqual(c(":a!b@c JOIN #x"), [Cmd.OTHER, 0]);
  assert.deepEqual(c(":a!b@c PINGX"), [Cmd.OTHER, 0]);
});

Deno.test("bench wire: lastParam reads PONG tokens with or without a colon", () => {
  for (const [text, want] of [[":srv PONG srv :17", "17"], [":srv PONG srv 17", "17"]]) {
    const b = enc.encode(text);
    assert.equal(lastParam(b, 0, b.length), want);
  }
});

Deno.test("bench wire: the splitter joins lines across chunks, CRLF split included", () => {
  assert.deepEqual(lines(["A\r\nB", "C\r", "\nD\n\r\n", "E"]), ["A", "BC", "D"]);
  assert.deepEqual(lines(["x".repeat(3000), "y\r\n"]), ["x".repeat(3000) + "y"]);
});

/** Lines with their first space (relative) and classification, for one chunk of `bytes`. */
function classified(bytes: Uint8Array): [string, number, number][] {
  const s = new LineSplitter();
  const info = { cmd: Cmd.OTHER as Cmd, numeric: 0 };
  const got: [string, number, number][] = [];
  s.push(bytes, (b, a, e, sp) => {
    classify(b, a, e, info, sp);
    got.push([dec.decode(b.subarray(a, e)), sp === -1 ? -1 : sp - a, info.numeric || info.cmd]);
  });
  return got;
}

Deno.test("bench wire: the splitter hands over each line's first space, and classify uses it", () => {
  const text = ":srv 366 me #c :End\r\nPING :x\r\nnospace\r\nalso\r\n:a!b@c JOIN #x\r\n";
  const want: [string, number, number][] = [
    [":srv 366 me #c :End", 4, 366],
    ["PING :x", 4, Cmd.PING],
    ["nospace", -1, Cmd.OTHER],
    ["also", -1, Cmd.OTHER],
    [":a!b@c JOIN #x", 6, Cmd.OTHER],
  ];
  assert.deepEqual(classified(enc.encode(text)), want);
  // Not ASCII (UTF-8 and a stray byte): the byte loop finds the same offsets.
  const utf8 = classified(enc.encode(":é!b@c PRIVMSG #x :ü ü\r\n" + text));
  assert.deepEqual(utf8, [[":é!b@c PRIVMSG #x :ü ü", 7, Cmd.OTHER], ...want]);
  const stray = Uint8Array.from([0xff, 0x20, 0x41, 0x0a, ...enc.encode(text)]);
  assert.deepEqual(classified(stray).slice(1), want);
  assert.equal(classified(stray)[0]![1], 1);
});

Deno.test("bench wire: skipJoins hands over every line but other clients' JOINs", () => {
  const s = new LineSplitter({ skipJoins: true });
  const got: string[] = [];
  const text = ":a!b@c JOIN #x\r\n:srv 366 me #x :End\r\n:d!e@f JOIN #x\r\n" +
    "JOIN #y\r\n:g!h@i PRIVMSG #x :JOIN me\r\n:j!k@l JOINED x\r\n:m!n@o JO";
  for (const chunk of [text, "IN #x\r\n"]) {
    s.push(enc.encode(chunk), (b, a, e) => got.push(dec.decode(b.subarray(a, e))));
  }
  // a JOIN split over two reads is handed over: skipping is only a shortcut, never required
  assert.deepEqual(got, [
    ":srv 366 me #x :End",
    "JOIN #y",
    ":g!h@i PRIVMSG #x :JOIN me",
    ":j!k@l JOINED x",
    ":m!n@o JOIN #x",
  ]);
});

Deno.test("bench wire: nicks are short enough for NICKLEN 9", () => {
  assert.equal(nickOf("z9", 0), "bz90");
  assert.ok(nickOf("z9", 199_999).length <= 9);
});
