/**
 * IRC message parsing and serialization (RFC 1459/2812 framing with IRCv3 message tags).
 *
 * Pure functions over strings: the server and the client both use them, and neither sockets nor
 * state live here.
 *
 * @module
 */

/** Tag values by key; a tag without a value maps to `""`. */
export type Tags = Record<string, string>;

/** One IRC message, as parsed from or serialized to a line without its CRLF. */
export interface Message {
  tags?: Tags;
  /** `nick!user@host` or a server name; absent on most client-sent messages. */
  source?: string;
  /** Upper-cased verb or a three-digit numeric. */
  command: string;
  params: string[];
}

/** Builds a message; keeps call sites short where many replies are made. */
export function msg(command: string, params: string[], source?: string, tags?: Tags): Message {
  const m: Message = { command, params };
  if (source !== undefined) m.source = source;
  if (tags !== undefined) m.tags = tags;
  return m;
}

const TAG_UNESCAPES: Record<string, string> = { ":": ";", s: " ", "\\": "\\", r: "\r", n: "\n" };

/** Undoes IRCv3 tag-value escaping; SEARCH attributes (soju.im/search) are written the same way. */
export function unescapeTagValue(value: string): string {
  if (!value.includes("\\")) return value;
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c !== "\\") {
      out += c;
      continue;
    }
    i++;
    if (i >= value.length) break; // a trailing lone backslash is dropped
    const escaped = value.charAt(i);
    out += TAG_UNESCAPES[escaped] ?? escaped;
  }
  return out;
}

const TAG_ESCAPES: Record<string, string> = {
  ";": "\\:",
  " ": "\\s",
  "\\": "\\\\",
  "\r": "\\r",
  "\n": "\\n",
};

// NUL has no escape sequence: it is dropped from values (nothing may put it on the wire).
const TAG_VALUE_SPECIALS = /[; \\\r\n\0]/g;

function escapeTagValue(value: string): string {
  return value.replace(TAG_VALUE_SPECIALS, (c) => TAG_ESCAPES[c] ?? "");
}

// IRCv3 message-tags: key = [ "+" ] [ vendor "/" ] key_name; key_name = 1*( ALPHA / DIGIT / "-" );
// vendor = host (dot-separated labels of letters, digits and inner hyphens).
const LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?";
const TAG_KEY = new RegExp(`^\\+?(?:${LABEL}(?:\\.${LABEL})*/)?[A-Za-z0-9-]+$`);

/**
 * True when `key` is a tag name by the IRCv3 grammar. Anything else (empty, binary, a CR smuggled
 * into the tag section) is dropped where tags are read and written, never relayed: the spec
 * forbids rejecting a message for an invalid key, so dropping is the one allowed answer.
 */
export function isTagKey(key: string): boolean {
  return TAG_KEY.test(key);
}

const RAW_VALUE_UNSAFE = /[\r\n\0]/g;

/**
 * Parses the tag section (without `@`); the last of duplicate keys wins, as the spec says. Keys
 * that break the grammar are dropped; raw CR, LF and NUL (which a value may only carry escaped)
 * are removed from values, so a value holds CR or LF only as `\r`/`\n` asked for, and never NUL.
 */
export function parseTags(section: string): Tags {
  const tags: Tags = {};
  for (const item of section.split(";")) {
    if (item === "") continue;
    const eq = item.indexOf("=");
    const key = eq === -1 ? item : item.slice(0, eq);
    if (!isTagKey(key)) continue;
    if (eq === -1) tags[key] = "";
    else tags[key] = unescapeTagValue(item.slice(eq + 1).replace(RAW_VALUE_UNSAFE, ""));
  }
  return tags;
}

/**
 * Serializes tags (without the leading `@`); empty values are written as bare keys. Keys that
 * break the grammar are left out and values are escaped, so the tag section can never carry CR,
 * LF, NUL or a space, whatever the tags came from (a client, the history store, another node).
 */
export function serializeTags(tags: Tags): string {
  let out = "";
  for (const key in tags) {
    const value = tags[key];
    if (value === undefined || !isTagKey(key)) continue;
    if (out !== "") out += ";";
    out += value === "" ? key : `${key}=${escapeTagValue(value)}`;
  }
  return out;
}

/**
 * Parses one line (CR/LF already removed). Returns `undefined` for a line without a command
 * (empty, only spaces, or only tags/source), which servers silently ignore.
 * Multiple spaces between parameters are tolerated, as the Modern IRC docs advise.
 */
export function parseMessage(line: string): Message | undefined {
  let pos = 0;
  const len = line.length;
  const skipSpaces = () => {
    while (pos < len && line.charCodeAt(pos) === 32) pos++;
  };
  const word = (): string => {
    const end = line.indexOf(" ", pos);
    const w = end === -1 ? line.slice(pos) : line.slice(pos, end);
    pos = end === -1 ? len : end;
    return w;
  };

  skipSpaces();
  let tags: Tags | undefined;
  if (line.charCodeAt(pos) === 64 /* @ */) {
    pos++;
    tags = parseTags(word());
    skipSpaces();
  }
  let source: string | undefined;
  if (line.charCodeAt(pos) === 58 /* : */) {
    pos++;
    source = word();
    skipSpaces();
  }
  if (pos >= len) return undefined;
  const command = word().toUpperCase();
  const params: string[] = [];
  for (;;) {
    skipSpaces();
    if (pos >= len) break;
    if (line.charCodeAt(pos) === 58 /* : */) {
      params.push(line.slice(pos + 1));
      break;
    }
    params.push(word());
  }
  const m: Message = { command, params };
  if (tags) m.tags = tags;
  if (source !== undefined) m.source = source;
  return m;
}

// CR, LF and NUL can never be sent inside a message: they would end the line early and let
// one user inject commands into another user's stream.
const UNSAFE = /[\r\n\0]/;
const safe = (s: string) => (UNSAFE.test(s) ? s.replace(/[\r\n\0]/g, " ") : s);
// A middle parameter also cannot hold a space, be empty or start with ":" (it would shift the
// parameters after it); such values only come from echoing bad input back, so mark them with "_".
const UNSAFE_MIDDLE = /[\r\n\0 ]|^:|^$/;
const safeMiddle = (s: string) =>
  UNSAFE_MIDDLE.test(s) ? s.replace(/[\r\n\0 ]/g, "_").replace(/^(:|$)/, "_$1") : s;

/**
 * Where the free-text parameter starts, for commands that carry one. Servers conventionally
 * write it with a `:` even when it is one word, and naive scripts that split on ` :` rely on it.
 * Numerics count from 1 (after the target nick).
 */
const TEXT_FROM: Record<string, number> = {
  PRIVMSG: 1,
  JOIN: 2, // extended-join: the realname
  NOTICE: 1,
  PART: 1,
  KICK: 2,
  TOPIC: 1,
  KILL: 1,
  REDACT: 2, // the reason
  PONG: 1,
  CAP: 2,
  QUIT: 0,
  ERROR: 0,
  AWAY: 0,
  WALLOPS: 0,
  SETNAME: 0,
};

/**
 * The index from which a command's parameters are free text (a numeric's from 1), or Infinity:
 * the serializer writes that parameter with a `:`, and line fitting may shorten it.
 */
export function textFrom(command: string): number {
  const c = command.charCodeAt(0);
  return c >= 48 && c <= 57 ? 1 : TEXT_FROM[command] ?? Infinity;
}

/**
 * Serializes a message without the trailing CRLF. The last parameter gets a `:` when it needs
 * one (empty, contains a space, or starts with `:`) or is the command's free text. CR, LF and NUL
 * are replaced by spaces in the last parameter and by `_` elsewhere (the source and command too:
 * they may come from another node), so one message is always exactly one line.
 */
export function serializeMessage(m: Message, tags: Tags | undefined = m.tags): string {
  let out = "";
  if (tags) {
    const t = serializeTags(tags);
    if (t !== "") out = `@${t} `;
  }
  if (m.source !== undefined) out += `:${safeMiddle(m.source)} `;
  out += safeMiddle(m.command);
  const params = m.params;
  const last = params.length - 1;
  for (let i = 0; i < last; i++) out += ` ${safeMiddle(params[i]!)}`;
  const text = params.at(-1);
  if (text !== undefined) {
    const p = safe(text);
    const colon = last >= textFrom(m.command) || p === "" || p.includes(" ") ||
      p.charCodeAt(0) === 58;
    out += colon ? ` :${p}` : ` ${p}`;
  }
  return out;
}

/** Splits `nick!user@host` into its parts; a bare server name is returned as `nick`. */
export function parseSource(source: string): { nick: string; user?: string; host?: string } {
  const bang = source.indexOf("!");
  const at = source.indexOf("@", bang + 1);
  if (bang === -1 && at === -1) return { nick: source };
  if (bang === -1) return { nick: source.slice(0, at), host: source.slice(at + 1) };
  if (at === -1) return { nick: source.slice(0, bang), user: source.slice(bang + 1) };
  return {
    nick: source.slice(0, bang),
    user: source.slice(bang + 1, at),
    host: source.slice(at + 1),
  };
}
