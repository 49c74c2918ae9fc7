/**
 * Seeded generators of hostile input for the hostile-input suite: malformed, oversized and
 * random lines, invalid UTF-8, control bytes, tag bombs, and fuzzed real commands. The same seed
 * gives the same bytes, so a failure can be replayed.
 *
 * @module
 */

/** mulberry32: a tiny, fast, seedable PRNG (enough for fuzzing, not for secrets). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VERBS = [
  "PRIVMSG",
  "NOTICE",
  "JOIN",
  "PART",
  "MODE",
  "TOPIC",
  "KICK",
  "INVITE",
  "NICK",
  "USER",
  "CAP",
  "WHO",
  "WHOIS",
  "WHOWAS",
  "NAMES",
  "LIST",
  "AWAY",
  "ISON",
  "USERHOST",
  "PING",
  "PONG",
  "OPER",
  "KILL",
  "WALLOPS",
  "TAGMSG",
  "SETNAME",
  "MOTD",
  "LUSERS",
  "VERSION",
  "TIME",
  "INFO",
  "PASS",
  "QUIT",
  "ERROR",
  "001",
  "",
  "privmsg",
  "J0IN",
  "\u00e9\u00e9",
];

const PIECES = [
  "#",
  "#good",
  "#fuzz",
  "#a,#b,#c",
  "0",
  "*",
  "*!*@*",
  "+ovbkl",
  "-o+v",
  "+b",
  "+k",
  "+l",
  "99999999999",
  "-1",
  ":",
  "::",
  "",
  " ",
  "good1",
  "nobody",
  "a,b,c,d,e,f,g",
  "LS",
  "302",
  "REQ",
  ":multi-prefix echo-message",
  "END",
  "LIST",
  "\u0000",
  "\r",
  "\x01ACTION x\x01",
  "\x03" + "4,5",
  "\ud83d\ude00",
  "\ufffd",
  "%s%n",
  "../../etc/passwd",
  "${x}",
  "<script>",
];

type Rand = () => number;

const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)]!;
const enc = new TextEncoder();

function randomBytes(r: Rand, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let b = int(r, 256);
    if (b === 10) b = 11; // keep it one line
    out[i] = b;
  }
  return out;
}

function fuzzedCommand(r: Rand): string {
  let line = "";
  if (r() < 0.1) line += `@${pick(r, PIECES)}=${"\\".repeat(int(r, 4))}${pick(r, PIECES)};+x=y `;
  if (r() < 0.1) line += `:${pick(r, PIECES)} `;
  line += pick(r, VERBS);
  const n = int(r, 18); // beyond the 15 parameters RFC 1459 allows, sometimes
  for (let i = 0; i < n; i++) line += " " + pick(r, PIECES) + (r() < 0.2 ? pick(r, PIECES) : "");
  if (r() < 0.5) line += " :" + pick(r, PIECES) + " " + pick(r, PIECES);
  return line;
}

/** The invalid UTF-8 sequences a decoder must survive. */
const BAD_UTF8 = [
  [0xc0, 0x80],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xff],
  [0xfe, 0xff],
  [0xe2, 0x82],
  [0x80, 0x80, 0x80],
  [0xf0, 0x9f, 0x98],
];

/** One hostile line (bytes, without the final LF unless `unterminated` is false). */
export function hostileLine(r: Rand): Uint8Array {
  const kind = int(r, 8);
  switch (kind) {
    case 0:
      return randomBytes(r, int(r, 600));
    case 1: // oversized, with or without tags
      return enc.encode(
        (r() < 0.5 ? "@" + "t".repeat(int(r, 6000)) + " " : "") + "PRIVMSG #fuzz :" +
          "z".repeat(400 + int(r, 6000)),
      );
    case 2: { // invalid UTF-8 inside an otherwise fine command
      const head = enc.encode(`PRIVMSG #fuzz :bad `);
      const bad = pick(r, BAD_UTF8);
      const out = new Uint8Array(head.length + bad.length);
      out.set(head);
      out.set(bad, head.length);
      return out;
    }
    case 3: // NUL, bare CR and other controls in names
      return enc.encode(
        `${pick(r, ["NICK", "JOIN", "TOPIC", "KICK"])} ${
          pick(r, ["a\0b", "#c\rd", "x\x07", "\x1b[2J"])
        } :${pick(r, PIECES)}\r`,
      );
    case 4: // tag bomb
      return enc.encode(
        "@" +
          Array.from({ length: 200 }, (_, i) => `+k${i}=${"\\s\\:".repeat(int(r, 5))}`).join(";") +
          " TAGMSG #fuzz",
      );
    default:
      return enc.encode(fuzzedCommand(r));
  }
}
