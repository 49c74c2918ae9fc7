/**
 * The plain-text door: what a netcat or telnet user sees and types.
 *
 * Pure translation both ways. Typed lines become IRC messages (run through the same command
 * table as everyone else's), and IRC messages addressed to the user become readable lines like
 * `[12:01] <alice> hi`. The session does the I/O.
 *
 * @module
 */

import { type Message, msg, serializeTags } from "../protocol/message.ts";
import { isChannelName } from "../protocol/names.ts";
import { N } from "../protocol/numerics.ts";
import { sameName } from "../protocol/casemap.ts";
import { ctcp, parseCtcp } from "../protocol/ctcp.ts";
import { terminalSafe } from "../protocol/terminal_text.ts";
import type { User } from "./state/user.ts";
import { firstField } from "../util/text.ts";

/** What one typed line asks for: messages to dispatch, lines to show, or both. */
export interface PlainInput {
  send: Message[];
  show: string[];
}

/** Commands a plain-text user can type, with one line of help each. */
export const PLAIN_COMMANDS: ReadonlyArray<[string, string]> = [
  ["/nick NAME", "change your nickname"],
  ["/join #CHANNEL", "join a channel and make it current"],
  ["/part [#CHANNEL] [REASON]", "leave the current (or named) channel"],
  ["/msg NICK TEXT", "send a private message"],
  ["/me ACTION", "describe an action in the current channel"],
  ["/who [#CHANNEL]", "list the users of the current (or named) channel"],
  ["/list", "list channels"],
  ["/topic [TEXT]", "show or set the current channel's topic"],
  ["/register PASSWORD", "register an account named after your nick"],
  ["/login ACCOUNT PASSWORD", "log in; become your account's user, on every device"],
  ["/search [#CHANNEL|*] TEXT", "search the current (or named) channel's history; * for all"],
  ["/quit [REASON]", "leave the chat"],
  ["/help", "show this help"],
];

// Keeps tabs; drops other C0 controls and DEL (telnet negotiation leftovers, stray escapes).
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/g;

function clock(time: number): string {
  const d = new Date(time);
  return `[${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}]`;
}

/** One plain-text user's view: the nickname prompt and the current channel. */
export class PlainTextView {
  /** Until registration completes, each typed line is a nickname attempt. */
  choosingNick: boolean;
  /** Where typed text goes; follows the user's own JOIN/PART/KICK. */
  current: string | undefined;

  /** `choosingNick`: false for a registered user's connection that moved from another node. */
  constructor(choosingNick = true) {
    this.choosingNick = choosingNick;
  }

  /** The greeting shown when the door opens. */
  greeting(serverName: string): string[] {
    return [
      `*** Welcome to ${serverName}! This is a chat server; IRC clients are welcome too.`,
      "*** Pick a nickname:",
    ];
  }

  /** Translates one typed line. */
  input(raw: string, me: User): PlainInput {
    const line = raw.replace(CONTROL, "").trim();
    if (line === "") return { send: [], show: [] };
    if (this.choosingNick && !/^\/quit\b/i.test(line)) {
      // USER first: the NICK that succeeds completes registration with this attempt's name.
      return { send: [msg("USER", [line, "0", "*", line]), msg("NICK", [line])], show: [] };
    }
    if (line.startsWith("/") && !line.startsWith("//")) return this.#command(line, me);
    const text = line.startsWith("//") ? line.slice(1) : line;
    if (!this.current) return { send: [], show: ["! You are not in a channel: /join #channel"] };
    return { send: [msg("PRIVMSG", [this.current, text])], show: [] };
  }

  #command(line: string, me: User): PlainInput {
    const space = line.indexOf(" ");
    const verb = (space === -1 ? line.slice(1) : line.slice(1, space)).toLowerCase();
    const rest = space === -1 ? "" : line.slice(space + 1).trim();
    const [first = "", ...others] = rest.split(/\s+/);
    const after = others.join(" ");
    const send = (...m: Message[]): PlainInput => ({ send: m, show: [] });
    const needsChannel = (f: (channel: string) => PlainInput): PlainInput =>
      this.current ? f(this.current) : { send: [], show: ["! You are not in a channel"] };
    switch (verb) {
      case "nick":
        return send(msg("NICK", [first]));
      case "join":
        return send(msg("JOIN", [first]));
      case "part":
        if (isChannelName(first)) return send(msg("PART", after ? [first, after] : [first]));
        return needsChannel((c) => send(msg("PART", rest ? [c, rest] : [c])));
      case "msg":
      case "query":
        if (!first || !after) return { send: [], show: ["! Usage: /msg NICK TEXT"] };
        return {
          send: [msg("PRIVMSG", [first, after])],
          show: isChannelName(first) || sameName(first, me.nick)
            ? []
            : [`${clock(Date.now())} -> *${first}* ${after}`],
        };
      case "me":
        return needsChannel((c) => send(msg("PRIVMSG", [c, ctcp("ACTION", rest)])));
      case "who":
      case "names":
        if (first) return send(msg("NAMES", [first]));
        return needsChannel((c) => send(msg("NAMES", [c])));
      case "list":
        return send(msg("LIST", []));
      case "topic":
        return needsChannel((c) => send(msg("TOPIC", rest ? [c, rest] : [c])));
      case "register":
        if (!first) return { send: [], show: ["! Usage: /register PASSWORD"] };
        return send(msg("PRIVMSG", ["NickServ", `REGISTER ${first}`]));
      case "login":
        if (!first || !after) return { send: [], show: ["! Usage: /login ACCOUNT PASSWORD"] };
        return send(msg("PRIVMSG", ["NickServ", `IDENTIFY ${first} ${after}`]));
      case "search": {
        const [where, text] = isChannelName(first) || first === "*"
          ? [first, after]
          : [this.current, rest];
        if (!text) return { send: [], show: ["! Usage: /search [#CHANNEL|*] TEXT"] };
        // SEARCH attributes are escaped like tag values (a `;` in the text stays text)
        const attributes: Record<string, string> = where && where !== "*"
          ? { in: where, text }
          : { text };
        return send(msg("SEARCH", [serializeTags(attributes)]));
      }
      case "quit":
        return send(msg("QUIT", rest ? [rest] : []));
      case "help":
        return {
          send: [],
          show: [
            "*** Type a line to talk in the current channel. Commands:",
            ...PLAIN_COMMANDS.map(([c, h]) => `***   ${c.padEnd(26)} ${h}`),
          ],
        };
      default:
        return { send: [], show: [`! Unknown command /${verb}; type /help`] };
    }
  }

  /**
   * Renders one message to this user as readable, terminal-safe lines (often none): every line
   * passes `terminalSafe`, so no topic, reason, realname, channel name or text from another user
   * can drive a netcat user's terminal.
   */
  render(m: Message, time: number | undefined, me: User): string[] {
    return this.#render(m, time, me).map(terminalSafe);
  }

  #render(m: Message, time: number | undefined, me: User): string[] {
    const nick = firstField(m.source ?? "", "!");
    const self = sameName(nick, me.nick);
    const p = m.params;
    const at = clock(time ?? Date.now());
    switch (m.command) {
      case "PRIVMSG":
      case "NOTICE": {
        const [target = "", text = ""] = p;
        const where = isChannelName(target) && !sameName(target, this.current ?? "")
          ? `${target} `
          : "";
        if (!m.source?.includes("!")) return [`*** ${text}`];
        const special = parseCtcp(text);
        if (special?.verb === "ACTION") return [`${at} ${where}* ${nick} ${special.args}`];
        if (special) return [];
        if (m.command === "NOTICE") return [`${at} ${where}-${nick}- ${text}`];
        if (!isChannelName(target)) return [`${at} *${nick}* ${text}`];
        return [`${at} ${where}<${nick}> ${text}`];
      }
      case "JOIN":
        if (self) {
          this.current = p[0];
          return [`* You joined ${p[0]}`];
        }
        return [`* ${nick} joined ${p[0]}`];
      case "PART":
        if (self) return this.#left(p[0] ?? "", me, `* You left ${p[0]}`);
        return [`* ${nick} left ${p[0]}${p[1] ? ` (${p[1]})` : ""}`];
      case "KICK": {
        const why = p[2] ? ` (${p[2]})` : "";
        if (sameName(p[1] ?? "", me.nick)) {
          return this.#left(p[0] ?? "", me, `* You were kicked from ${p[0]} by ${nick}${why}`);
        }
        return [`* ${p[1]} was kicked from ${p[0]} by ${nick}${why}`];
      }
      case "QUIT":
        return [`* ${nick} quit${p[0] ? ` (${p[0]})` : ""}`];
      case "NICK": // the user's own nick has already changed when this renders
        return [
          sameName(p[0] ?? "", me.nick)
            ? `* You are now known as ${p[0]}`
            : `* ${nick} is now known as ${p[0]}`,
        ];
      case "TOPIC":
        return [`* ${nick} set the topic of ${p[0]} to: ${p[1]}`];
      case "MODE":
        return isChannelName(p[0] ?? "")
          ? [`* ${nick} sets mode ${p.slice(1).join(" ")} on ${p[0]}`]
          : [];
      case "INVITE":
        return [`* ${nick} invites you to ${p[1]} (type /join ${p[1]})`];
      case "KILL":
        return [`*** You were killed by ${nick} (${p[1] ?? ""})`];
      case "WALLOPS":
        return [`! WALLOPS from ${nick}: ${p[0]}`];
      case "ERROR":
        return [`*** ${p[0]}`];
      case "FAIL": // a standard reply (SEARCH, MARKREAD…): its description
        return [`! ${p[p.length - 1] ?? ""}`];
      default:
        return /^\d{3}$/.test(m.command) ? this.#numeric(m.command, p.slice(1)) : [];
    }
  }

  #left(channel: string, me: User, line: string): string[] {
    if (sameName(channel, this.current ?? "")) {
      // The user is still listed in `channel` while this renders; pick any other.
      const next = [...me.channels.values()].find((c) => !sameName(c.name, channel));
      this.current = next?.name;
      if (next) return [line, `* Current channel is now ${next.name}`];
    }
    return [line];
  }

  #numeric(code: string, p: string[]): string[] {
    const text = p[p.length - 1] ?? "";
    switch (code) {
      case N.RPL_WELCOME:
        this.choosingNick = false;
        return [`*** ${text}`, "*** Type /help for commands."];
      case N.RPL_MOTD:
        return [`*** ${text.replace(/^- /, "")}`];
      case N.ERR_NOMOTD:
        return [];
      case N.RPL_TOPIC:
        return [`* Topic of ${p[0]}: ${text}`];
      case N.RPL_NAMREPLY:
        return [`* Users in ${p[1]}: ${text.split(" ").join(", ")}`];
      case N.RPL_LISTSTART:
        return ["* Channels:"];
      case N.RPL_LIST:
        return [`*   ${p[0]} (${p[1]})${text ? `: ${text}` : ""}`];
      case N.RPL_LISTEND:
        return ["* End of channel list"];
      case N.RPL_NOTOPIC:
        return [`* ${p[0]} has no topic`];
      case N.RPL_AWAY:
        return [`* ${p[0]} is away: ${text}`];
      case N.ERR_NICKNAMEINUSE:
      case N.ERR_ERRONEUSNICKNAME:
      case N.ERR_NONICKNAMEGIVEN: {
        const problem = code === N.ERR_NICKNAMEINUSE
          ? `The nickname ${p[0]} is taken`
          : code === N.ERR_ERRONEUSNICKNAME
          ? `"${p[0]}" is not a valid nickname (letters, digits and [] \\ \` _ ^ { | } -)`
          : "No nickname given";
        return [`! ${problem}.`, ...(this.choosingNick ? ["*** Pick a nickname:"] : [])];
      }
      default:
        if (code[0] === "4" || code[0] === "5") {
          const subject = p.slice(0, -1).join(" ");
          return [`! ${subject ? `${subject}: ` : ""}${text}`];
        }
        return [];
    }
  }
}
