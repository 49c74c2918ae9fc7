/**
 * Property-based tests (fast-check) of everything that turns untrusted bytes into lines and lines
 * into bytes: the framer under random chunkings, the message and tag parsers, serialization and
 * `Outgoing.bytes`, and the plain-text and terminal rendering. Random and adversarial input must
 * never throw, never put CR, LF or NUL inside a line, never make a relayed line longer than 512
 * bytes, and round-trip where the format defines one. Run counts keep the file to a few seconds.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { formatEvent, plainLine } from "../../client/format.ts";
import { toEvents } from "../../client/events.ts";
import { ClientState } from "../../client/state.ts";
import { fitMessage, MAX_LINE_BYTES } from "../../protocol/line_fit.ts";
import { LineFramer, type LineLimits, SERVER_LINE_LIMITS } from "../../protocol/lines.ts";
import {
  isTagKey,
  type Message,
  parseMessage,
  parseTags,
  serializeMessage,
  serializeTags,
  type Tags,
} from "../../protocol/message.ts";
import { terminalSafe } from "../../protocol/terminal_text.ts";
import { Outgoing } from "../../server/outgoing.ts";
import { WANTS_ACCOUNT, WANTS_TAGS, WANTS_TIME } from "../../server/state/tag_variant.ts";
import { PlainTextView } from "../../server/plaintext.ts";
import { User } from "../../server/state/user.ts";

const RUNS = Number(Deno.env.get("PROPERTY_RUNS") ?? 1000);
const enc = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true });
const LINE_BREAKERS = /[\r\n\0]/;
// What may never reach a terminal: C0 (tab included: it becomes a space), DEL, C1, bidi controls.
// deno-lint-ignore no-control-regex
const TERMINAL_UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

// --- generators ---------------------------------------------------------------------------

/** Pieces an attacker reaches for: line breaks, IRC syntax, escapes, controls, odd UTF-16. */
const NASTY = [
  "\r",
  "\n",
  "\r\n",
  "\0",
  " ",
  ":",
  "@",
  ";",
  "=",
  "+",
  "/",
  "\\",
  "\\r",
  "\\n",
  "\\0",
  "\x01",
  "\x03",
  "\x0304,12",
  "\x04ff0000",
  "\x1b[2J",
  "\t",
  "\x7f",
  "\u0085",
  "\u009b",
  "\u202e",
  "\u2066",
  "\u200f",
  "\u061c",
  "\ufffd",
  "\ud800",
  "\udc00",
  "é",
  "€",
  "\u{1F600}",
  "PRIVMSG",
  "QUIT",
];

/** Any string, biased toward the pieces above. */
const hostileString = (maxPieces = 12): fc.Arbitrary<string> =>
  fc.array(
    fc.oneof(fc.constantFrom(...NASTY), fc.string({ unit: "binary", maxLength: 6 })),
    { maxLength: maxPieces },
  ).map((parts) => parts.join(""));

/** A long text: what a client may send at the limit (and past it, through other nodes). */
const longText = fc.oneof(
  hostileString(40),
  fc.tuple(fc.constantFrom("a", "é", "€", "\u{1F600}", "\ufffd", "\ud800"), fc.nat({ max: 700 }))
    .map(([c, n]) => c.repeat(n)),
);

/** Bytes biased toward LF, CR, NUL, `@`, space and pieces of UTF-8. */
const hostileBytes = fc.array(
  fc.oneof(fc.constantFrom(10, 13, 0, 32, 64, 0x3a, 0xff, 0xc3, 0xa9, 0xf0, 0x9f), fc.nat(255)),
  { maxLength: 300 },
).map((a) => Uint8Array.from(a));

const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const alnum = (min: number, max: number, extra = "") =>
  fc.string({ unit: fc.constantFrom(...(LETTERS + extra)), minLength: min, maxLength: max });
const hostLabel = alnum(1, 6);
/** Tag keys by the IRCv3 grammar. */
const validKey = fc.tuple(
  fc.boolean(),
  fc.option(fc.array(hostLabel, { minLength: 1, maxLength: 3 }).map((l) => l.join("."))),
  alnum(1, 8, "-"),
).map(([plus, vendor, name]) => `${plus ? "+" : ""}${vendor ? `${vendor}/` : ""}${name}`);
/** A tag value as the tag section can carry it (anything but NUL). */
const tagValue = hostileString(6).map((v) => v.replaceAll("\0", ""));
// (spread: fast-check's dictionaries have no prototype, parsed tags do)
const validTags = fc.dictionary(validKey, tagValue, { maxKeys: 5 }).map((d) => ({ ...d }));
/** A middle parameter or source: one word of anything that cannot break the line. */
const word = hostileString(4)
  .map((s) => s.replace(/[\r\n\0 ]/g, ""))
  .filter((s) => s !== "" && s[0] !== ":");
const trailing = hostileString(8).map((s) => s.replace(/[\r\n\0]/g, ""));
/** Messages as the format defines them, which must survive a round trip. */
const validMessage: fc.Arbitrary<Message> = fc.record({
  tags: fc.option(validTags, { nil: undefined }),
  source: fc.option(word, { nil: undefined }),
  command: fc.oneof(
    alnum(1, 10).map((s) => s.toUpperCase()).filter((s) => !/^\d/.test(s)),
    fc.integer({ min: 0, max: 999 }).map((n) => String(n).padStart(3, "0")),
  ),
  params: fc.tuple(fc.array(word, { maxLength: 4 }), fc.option(trailing)).map((
    [middle, last],
  ) => (last === null ? middle : [...middle, last])),
}).map((m) => {
  const out: Message = { command: m.command, params: m.params };
  if (m.tags !== undefined && Object.keys(m.tags).length > 0) out.tags = m.tags;
  if (m.source !== undefined) out.source = m.source;
  return out;
});

/** Any message at all: every field hostile. */
const anyMessage: fc.Arbitrary<Message> = fc.record({
  tags: fc.option(fc.dictionary(hostileString(3), hostileString(4), { maxKeys: 4 }), {
    nil: undefined,
  }),
  source: fc.option(hostileString(4), { nil: undefined }),
  command: hostileString(3),
  params: fc.array(hostileString(6), { maxLength: 6 }),
});

// Nicks, usernames, hosts and channels within the server's own limits: the prefixes it relays.
const nick = alnum(1, 30, "[]\\`_^{|}-").filter((n) => !/^[0-9-]/.test(n));
const source = fc.tuple(nick, alnum(1, 30), fc.constantFrom("127.0.0.1", "::1", "2001:db8::1"))
  .map(([n, u, h]) => `${n}!~${u}@${h}`);
const channel = alnum(1, 63, "-_.").map((c) => `#${c}`);
/** The messages the server relays with someone's free text at the end. */
const relayed: fc.Arbitrary<Message> = fc.tuple(source, channel, nick, longText, fc.nat(8)).map(
  ([src, chan, target, text, kind]) => {
    const params = [
      [chan, text],
      [target, text],
      [text],
      [chan, target, text],
      [chan, "*", text],
      [chan, text],
      [text],
      [text],
      [chan, text],
    ][kind]!; // fc.nat(8): one of the nine
    const command = [
      "PRIVMSG",
      "NOTICE",
      "QUIT",
      "KICK",
      "JOIN",
      "TOPIC",
      "AWAY",
      "SETNAME",
      "PART",
    ][kind]!;
    return { source: src, command, params };
  },
);

// --- the line framer ---------------------------------------------------------------------

/** What the framer must produce for a whole stream, line by line (the reference model). */
function model(stream: Uint8Array, limits: LineLimits): { lines: string[]; tooLong: number } {
  const lines: string[] = [];
  let tooLong = 0;
  let start = 0;
  for (let nl = stream.indexOf(10); nl !== -1; nl = stream.indexOf(10, start)) {
    let line = stream.subarray(start, nl);
    start = nl + 1;
    if (line.at(-1) === 13) line = line.subarray(0, -1);
    if (line.length === 0) continue;
    const bodyStart = line[0] === 64
      ? (line.indexOf(32) === -1 ? line.length : line.indexOf(32) + 1)
      : 0;
    if (
      (line[0] === 64 && bodyStart > limits.maxTagBytes) ||
      line.length - bodyStart > limits.maxBodyBytes
    ) {
      tooLong++;
      continue;
    }
    lines.push(new TextDecoder().decode(line).replace(/[\r\0]/g, "\ufffd"));
  }
  return { lines, tooLong };
}

function frame(chunks: Uint8Array[], limits: LineLimits): { lines: string[]; tooLong: number } {
  const framer = new LineFramer(limits);
  const out = { lines: [] as string[], tooLong: 0 };
  const handler = { line: (l: string) => out.lines.push(l), tooLong: () => out.tooLong++ };
  for (const c of chunks) {
    framer.push(c, handler);
    c.fill(0x21); // the caller may reuse its buffer: the framer must have copied what it keeps
  }
  return out;
}

/** A stream cut at random points. */
const chunked = fc.tuple(hostileBytes, fc.array(fc.nat(300), { maxLength: 8 })).map(
  ([bytes, cuts]) => {
    const stream = Uint8Array.from([...bytes, 10]); // terminated: every line is judged
    const points = [...new Set(cuts.map((c) => c % stream.length))].sort((a, b) => a - b);
    const chunks: Uint8Array[] = [];
    let at = 0;
    for (const p of [...points, stream.length]) {
      if (p > at) chunks.push(stream.slice(at, p));
      at = Math.max(at, p);
    }
    return { stream, chunks };
  },
);

Deno.test("property: the framer gives the same lines for any chunking, none holding CR, LF or NUL", () => {
  const small: LineLimits = { maxTagBytes: 16, maxBodyBytes: 24 };
  for (const limits of [small, SERVER_LINE_LIMITS]) {
    fc.assert(
      fc.property(chunked, ({ stream, chunks }) => {
        const expected = model(stream, limits);
        const got = frame(chunks, limits);
        assert.deepEqual(got, expected);
        for (const line of got.lines) {
          assert.ok(line !== "" && !LINE_BREAKERS.test(line), JSON.stringify(line));
          // every input byte yields at most one UTF-16 unit: no line outgrows the limits
          assert.ok(line.length <= limits.maxTagBytes + limits.maxBodyBytes);
        }
      }),
      { numRuns: RUNS },
    );
  }
});

// --- parsers and serializers ---------------------------------------------------------------

Deno.test("property: parsing anything never throws and never yields a bad tag", () => {
  fc.assert(
    fc.property(hostileString(30), (line) => {
      const m = parseMessage(line);
      if (!m) return;
      assert.ok(m.command !== "" && !m.command.includes(" "));
      for (const [key, value] of Object.entries(m.tags ?? {})) {
        assert.ok(isTagKey(key), JSON.stringify(key));
        assert.ok(!value.includes("\0"));
      }
      for (const p of m.params.slice(0, -1)) assert.ok(p !== "" && !p.includes(" "));
    }),
    { numRuns: RUNS },
  );
});

Deno.test("property: parse(serialize(m)) is m for valid messages", () => {
  fc.assert(
    fc.property(validMessage, (m) => {
      const line = serializeMessage(m);
      assert.ok(!LINE_BREAKERS.test(line));
      assert.deepEqual(parseMessage(line), m);
    }),
    { numRuns: RUNS },
  );
});

Deno.test("property: tag values survive escaping; the section never holds a breaker or space", () => {
  fc.assert(
    fc.property(validTags, (tags) => {
      const section = serializeTags(tags);
      assert.ok(!/[\r\n\0 ]/.test(section));
      assert.deepEqual(parseTags(section), tags);
    }),
    { numRuns: RUNS },
  );
  fc.assert(
    fc.property(fc.dictionary(hostileString(3), hostileString(6), { maxKeys: 6 }), (dict) => {
      const tags: Tags = { ...dict };
      const section = serializeTags(tags);
      assert.ok(!/[\r\n\0 ]/.test(section));
      const kept: Tags = {};
      for (const key in tags) if (isTagKey(key)) kept[key] = tags[key]!.replaceAll("\0", "");
      assert.deepEqual(parseTags(section), kept);
    }),
    { numRuns: RUNS },
  );
});

Deno.test("property: Outgoing.bytes is exactly one well-formed line for any message", () => {
  const extras = fc.record({
    time: fc.option(fc.integer({ min: 0, max: 4102444800000 }), { nil: undefined }),
    tags: fc.option(fc.dictionary(hostileString(3), hostileString(4), { maxKeys: 3 }), {
      nil: undefined,
    }),
    account: fc.option(hostileString(3), { nil: undefined }),
    always: fc.option(fc.dictionary(hostileString(2), hostileString(4), { maxKeys: 2 }), {
      nil: undefined,
    }),
  });
  fc.assert(
    fc.property(anyMessage, extras, fc.nat(7), (m, x, variant) => {
      const bytes = new Outgoing(m, x).bytes(variant);
      const line = strictDecoder.decode(bytes);
      assert.ok(line.endsWith("\r\n"));
      assert.ok(!LINE_BREAKERS.test(line.slice(0, -2)), JSON.stringify(line));
      const parsed = parseMessage(line.slice(0, -2));
      for (const key of Object.keys(parsed?.tags ?? {})) assert.ok(isTagKey(key));
    }),
    { numRuns: RUNS },
  );
});

Deno.test("property: every relayed line fits 512 bytes, its text a prefix of what was sent", () => {
  const all = WANTS_TIME | WANTS_TAGS | WANTS_ACCOUNT;
  fc.assert(
    fc.property(relayed, (m) => {
      const out = new Outgoing(m, {
        time: Date.now(),
        tags: { msgid: "x", "+reply": "y" },
        account: "acct",
      });
      for (const variant of [0, all]) {
        const bytes = out.bytes(variant);
        const start = bytes[0] === 64 ? bytes.indexOf(32) + 1 : 0;
        assert.ok(bytes.length - start <= MAX_LINE_BYTES, `${bytes.length - start} bytes`);
      }
      const sent = m.params.at(-1)!, kept = out.message.params.at(-1)!;
      const ctcp = sent.length > 1 && sent[0] === "\x01" && sent.endsWith("\x01");
      assert.ok(sent.startsWith(ctcp && kept !== sent ? kept.slice(0, -1) : kept));
      assert.deepEqual(fitMessage(out.message), out.message, "fitting twice changes nothing");
    }),
    { numRuns: RUNS },
  );
});

// --- rendering for terminals ----------------------------------------------------------------

const RENDERED = [
  "PRIVMSG",
  "NOTICE",
  "JOIN",
  "PART",
  "KICK",
  "QUIT",
  "NICK",
  "TOPIC",
  "MODE",
  "INVITE",
  "KILL",
  "WALLOPS",
  "ERROR",
  "001",
  "301",
  "311",
  "322",
  "332",
  "353",
  "372",
  "433",
  "404",
  "482",
];
const renderedMessage = fc.record({
  command: fc.constantFrom(...RENDERED),
  source: fc.oneof(hostileString(4), source),
  params: fc.array(fc.oneof(hostileString(8), channel, fc.constant("#lobby")), {
    minLength: 1,
    maxLength: 5,
  }),
});

Deno.test("property: terminalSafe leaves nothing a terminal acts on, and is idempotent", () => {
  fc.assert(
    fc.property(hostileString(30), (text) => {
      const safe = terminalSafe(text);
      assert.ok(!TERMINAL_UNSAFE.test(safe), JSON.stringify(safe));
      assert.equal(terminalSafe(safe), safe);
    }),
    { numRuns: RUNS },
  );
});

Deno.test("property: the plain-text door renders and reads anything safely", () => {
  const user = new User(1, "127.0.0.1", { send() {}, terminate() {} });
  user.setNick("zoe");
  fc.assert(
    fc.property(renderedMessage, hostileString(20), fc.boolean(), (m, typed, choosing) => {
      const view = new PlainTextView();
      view.choosingNick = choosing;
      view.current = "#lobby";
      for (const line of view.render(m, Date.now(), user)) {
        assert.ok(!TERMINAL_UNSAFE.test(line), JSON.stringify(line));
      }
      for (const out of view.input(typed, user).send) {
        assert.ok(!LINE_BREAKERS.test(serializeMessage(out)));
      }
    }),
    { numRuns: RUNS },
  );
});

Deno.test("property: the terminal client prints nothing a terminal acts on", () => {
  fc.assert(
    fc.property(renderedMessage, (m) => {
      const state = new ClientState("zoe");
      for (const e of toEvents(m, state)) {
        const f = formatEvent(e, { current: "#lobby" });
        for (const seg of [...f.prefix, f.body]) {
          assert.ok(!TERMINAL_UNSAFE.test(seg.text), JSON.stringify(seg.text));
        }
        const plain = plainLine(e);
        if (plain !== undefined) assert.ok(!TERMINAL_UNSAFE.test(plain));
      }
    }),
    { numRuns: RUNS },
  );
});

Deno.test("property: a valid message's line is within 512 bytes once fitted, tags aside", () => {
  fc.assert(
    fc.property(relayed, (m) => {
      const line = serializeMessage(fitMessage(m), {});
      assert.ok(enc.encode(line).length + 2 <= MAX_LINE_BYTES);
    }),
    { numRuns: RUNS },
  );
});
