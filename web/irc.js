// @ts-check
/**
 * The web page's pure IRC helpers: parsing lines, the typed /commands, nick colours and tab
 * completion. No DOM and no sockets here, so the tests import this file directly.
 *
 * @module
 */

/**
 * One parsed IRC line.
 * @typedef {{ tags: Record<string, string>, source: string, nick: string, command: string,
 *   params: string[] }} IrcMessage
 */

const TAG_UNESCAPES = /** @type {Record<string, string>} */ ({
  ":": ";",
  s: " ",
  "\\": "\\",
  r: "\r",
  n: "\n",
});

/**
 * Parses one line (without CR/LF); undefined when there is no command.
 * @param {string} line
 * @returns {IrcMessage | undefined}
 */
export function parseLine(line) {
  let rest = line;
  /** @type {Record<string, string>} */
  const tags = {};
  if (rest.startsWith("@")) {
    const space = rest.indexOf(" ");
    if (space === -1) return undefined;
    for (const item of rest.slice(1, space).split(";")) {
      if (!item) continue;
      const eq = item.indexOf("=");
      if (eq === -1) tags[item] = "";
      else {
        tags[item.slice(0, eq)] = item.slice(eq + 1).replace(
          /\\(.?)/g,
          (_, c) => TAG_UNESCAPES[c] ?? c,
        );
      }
    }
    rest = rest.slice(space + 1).trimStart();
  }
  let source = "";
  if (rest.startsWith(":")) {
    const space = rest.indexOf(" ");
    if (space === -1) return undefined;
    source = rest.slice(1, space);
    rest = rest.slice(space + 1).trimStart();
  }
  /** @type {string[]} */
  const params = [];
  while (rest !== "") {
    if (rest.startsWith(":") && params.length > 0) {
      params.push(rest.slice(1));
      break;
    }
    const space = rest.indexOf(" ");
    if (space === -1) {
      params.push(rest);
      break;
    }
    params.push(rest.slice(0, space));
    rest = rest.slice(space + 1).trimStart();
  }
  const command = (params.shift() ?? "").toUpperCase();
  if (command === "") return undefined;
  const [nick = ""] = source.split("!");
  return { tags, source, nick, command, params };
}

/**
 * Builds a line from a command and parameters; the last one becomes a trailing parameter when
 * it has to. Newlines are cut: one line is one message.
 * @param {string} command
 * @param {string[]} params
 * @returns {string}
 */
export function formatLine(command, params = []) {
  const clean = params.map((p) => p.replace(/[\r\n\0]+/g, " "));
  const last = clean.length - 1;
  const parts = clean.map((p, i) =>
    i === last && (p === "" || p.includes(" ") || p.startsWith(":")) ? `:${p}` : p
  );
  return [command, ...parts].join(" ");
}

/**
 * True for channel names (`#chat`, `&local`).
 * @param {string} name
 */
export function isChannel(name) {
  return /^[#&]/.test(name);
}

/**
 * Folds a nick or channel name like the server (CASEMAPPING=rfc1459 by default, or ascii).
 * @param {string} name
 * @param {string} casemapping
 */
export function fold(name, casemapping = "rfc1459") {
  const lower = name.toLowerCase();
  if (casemapping === "ascii") return lower;
  return lower.replace(/[[\]\\^]/g, (c) => ({ "[": "{", "]": "}", "\\": "|", "^": "~" })[c] ?? c);
}

/**
 * A stable hue (0–359) for a nick, so each person keeps one colour everywhere.
 * @param {string} nick
 */
export function nickHue(nick) {
  let h = 5381;
  for (const c of nick.toLowerCase()) h = ((h * 33) ^ (c.codePointAt(0) ?? 0)) >>> 0;
  return h % 360;
}

/**
 * Removes mIRC formatting (colours, bold, …) for display.
 * @param {string} text
 */
export function stripFormatting(text) {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x03(\d{1,2}(,\d{1,2})?)?|\x04[0-9a-fA-F]{0,6}|[\x00-\x1f\x7f]/g, "");
}

/**
 * The CTCP ACTION text of a PRIVMSG (`/me`), or undefined.
 * @param {string} text
 */
export function actionText(text) {
  // deno-lint-ignore no-control-regex
  const m = /^\x01ACTION(?: (.*?))?\x01?$/.exec(text);
  return m ? m[1] ?? "" : undefined;
}

/**
 * What a typed line asks for: IRC lines to send, a conversation to open, help, an error.
 * @typedef {{ send: string[], open?: string, help?: boolean, error?: string,
 *   quit?: boolean }} InputAction
 */

/** The /commands the page understands, with one line of help each. */
export const COMMANDS = [
  ["/join #channel", "join a channel (or several: #a,#b)"],
  ["/part [#channel] [reason]", "leave the current or named channel"],
  ["/msg nick text", "send a private message"],
  ["/query nick", "open a private conversation"],
  ["/me action", "describe an action"],
  ["/nick name", "change your nickname"],
  ["/topic [text]", "show or set the channel topic"],
  ["/whois nick", "ask about someone"],
  ["/quote line", "send a raw IRC line"],
  ["/quit [reason]", "disconnect"],
  ["/help", "show this help"],
];

/**
 * Turns a typed line into actions. `current` is the open conversation (a channel, a nick, or
 * undefined for the server window).
 * @param {string} text
 * @param {string | undefined} current
 * @returns {InputAction}
 */
export function parseInput(text, current) {
  const line = text.replace(/[\r\n]+/g, " ");
  if (line.trim() === "") return { send: [] };
  if (!line.startsWith("/") || line.startsWith("//")) {
    const body = line.startsWith("//") ? line.slice(1) : line;
    if (!current) return { send: [], error: "Join a channel first: /join #channel" };
    return { send: [formatLine("PRIVMSG", [current, body])] };
  }
  const match = /^\/(\S+)\s*(.*)$/.exec(line);
  const verb = (match?.[1] ?? "").toLowerCase();
  const rest = (match?.[2] ?? "").trim();
  const [first = "", ...others] = rest.split(/\s+/);
  const after = rest.slice(first.length).trim();
  const needs = (/** @type {string} */ usage) => ({ send: [], error: `Usage: ${usage}` });
  switch (verb) {
    case "join":
    case "j": {
      if (!first) return needs("/join #channel");
      const channels = first.split(",").filter(Boolean).map((c) => isChannel(c) ? c : `#${c}`);
      const joined = channels.join(",");
      const [keys] = others;
      return {
        send: [formatLine("JOIN", keys !== undefined ? [joined, keys] : [joined])],
        open: channels[0],
      };
    }
    case "part":
    case "leave": {
      const target = isChannel(first) ? first : current;
      const reason = isChannel(first) ? after : rest;
      if (!target || !isChannel(target)) return needs("/part #channel");
      return { send: [formatLine("PART", reason ? [target, reason] : [target])] };
    }
    case "msg":
    case "query": {
      if (!first) return needs(`/${verb} nick${verb === "msg" ? " text" : ""}`);
      if (verb === "msg" && !after) return needs("/msg nick text");
      // /msg sends and stays; /query opens the conversation (and may send in it).
      if (verb === "msg") return { send: [formatLine("PRIVMSG", [first, after])] };
      return { send: after ? [formatLine("PRIVMSG", [first, after])] : [], open: first };
    }
    case "me":
      if (!current) return { send: [], error: "Join a channel first: /join #channel" };
      return { send: [formatLine("PRIVMSG", [current, `\x01ACTION ${rest}\x01`])] };
    case "nick":
      if (!first) return needs("/nick name");
      return { send: [formatLine("NICK", [first])] };
    case "topic": {
      const target = isChannel(first) ? first : current;
      const topic = isChannel(first) ? after : rest;
      if (!target || !isChannel(target)) return needs("/topic [#channel] [text]");
      return { send: [formatLine("TOPIC", topic ? [target, topic] : [target])] };
    }
    case "whois":
      if (!first) return needs("/whois nick");
      return { send: [formatLine("WHOIS", [first])] };
    case "quote":
    case "raw":
      if (!rest) return needs("/quote LINE");
      return { send: [rest] };
    case "quit":
      return { send: [formatLine("QUIT", rest ? [rest] : [])], quit: true };
    case "help":
      return { send: [], help: true };
    default:
      return { send: [], error: `Unknown command /${verb}; type /help` };
  }
}

/**
 * Tab completion of nicks: the word before the cursor is completed from `nicks` (case-insensitive
 * prefix), cycling on repeated presses. At the start of the line `: ` follows the nick.
 * @typedef {{ start: number, prefix: string, matches: string[], index: number,
 *   suffix: string }} CompletionState
 */

/**
 * Starts or continues a completion. Returns the new input value, cursor and state, or undefined
 * when nothing matches (the Tab key then moves the focus as usual).
 * @param {string} value
 * @param {number} cursor
 * @param {string[]} nicks
 * @param {CompletionState | undefined} state the previous result's state, if Tab was pressed again
 * @returns {{ value: string, cursor: number, state: CompletionState } | undefined}
 */
export function completeNick(value, cursor, nicks, state) {
  let s = state;
  if (!s) {
    const before = value.slice(0, cursor);
    const start = before.search(/\S*$/);
    const prefix = before.slice(start);
    if (prefix === "" || prefix.startsWith("/")) return undefined;
    const lower = prefix.toLowerCase();
    const matches = nicks.filter((n) => n.toLowerCase().startsWith(lower))
      .sort((a, b) => a.toLowerCase() < b.toLowerCase() ? -1 : 1);
    if (matches.length === 0) return undefined;
    s = { start, prefix, matches, index: -1, suffix: value.slice(cursor) };
  }
  const index = (s.index + 1) % s.matches.length;
  const nick = s.matches[index];
  const glue = s.start === 0 ? ": " : " ";
  const head = value.slice(0, s.start) + nick + glue;
  const tail = s.suffix.replace(/^\s+/, "");
  return { value: head + tail, cursor: head.length, state: { ...s, index } };
}

/**
 * The highest-ranked prefix of a NAMES entry (`@+alice` → `@`), and the nick.
 * @param {string} entry
 * @param {string} prefixes the status prefixes in rank order (ISUPPORT PREFIX), like `@+`
 */
export function splitNamesEntry(entry, prefixes = "~&@%+") {
  let i = 0;
  while (i < entry.length && prefixes.includes(entry.charAt(i))) i++;
  const nick = entry.slice(i).split("!")[0];
  return { prefix: entry.slice(0, i ? 1 : 0), nick };
}

/**
 * Backoff before reconnect attempt `n` (0-based): 1 s doubling to 30 s, with jitter.
 * @param {number} n
 * @param {number} random a number in [0, 1)
 */
export function reconnectDelay(n, random = Math.random()) {
  const base = Math.min(30_000, 1000 * 2 ** n);
  return Math.round(base * (0.75 + random * 0.5));
}

/**
 * The AUTHENTICATE arguments that send a SASL PLAIN login (`\0account\0password`, UTF-8, base64)
 * in chunks of 400, with a closing `+` when the last chunk is a full one, as IRCv3 SASL asks.
 * @param {string} account
 * @param {string} password
 * @returns {string[]}
 */
export function saslPlain(account, password) {
  const bytes = new TextEncoder().encode(`\0${account}\0${password}`);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  const encoded = btoa(binary);
  const chunks = [];
  for (let i = 0; i < encoded.length; i += 400) chunks.push(encoded.slice(i, i + 400));
  if (encoded.length % 400 === 0) chunks.push("+");
  return chunks;
}
