/**
 * What a typed line means: plain text for the current conversation or a slash command, turned
 * into IRC messages and local actions. Pure: it reads a small context and returns a typed
 * action; the terminal carries it out.
 *
 * @module
 */

import { sameName } from "../protocol/casemap.ts";
import { ctcp } from "../protocol/ctcp.ts";
import { type Message, msg, parseMessage } from "../protocol/message.ts";
import { splitBytes } from "./text.ts";

/** What the interpreter needs to know. */
export interface CommandContext {
  /** The current conversation (channel or nick), if any. */
  current: string | undefined;
  /** Our nick, to size long messages so the relayed line still fits in 512 bytes. */
  nick: string;
  /** True when a name is a channel on this server. */
  isChannel(name: string): boolean;
  /** Open conversations in window order, for `/switch N`. */
  windows: string[];
}

/** The outcome of one typed line. */
export type InputAction =
  /** Send these messages; `switchOnJoin` names channels to make current once joined. */
  | { kind: "send"; messages: Message[]; switchOnJoin?: string[] }
  /** Make a conversation current (opening a private one when needed), then send. */
  | { kind: "open"; target: string; messages: Message[] }
  /** Close a private conversation (no server traffic). */
  | { kind: "close"; target: string }
  /** Show lines locally. */
  | { kind: "show"; lines: string[] }
  /** Send QUIT and exit. */
  | { kind: "quit"; reason: string }
  /** Tell the user what went wrong; nothing is sent. */
  | { kind: "error"; message: string }
  /** An empty line. */
  | { kind: "nothing" };

/** One command's help line. */
export interface CommandHelp {
  name: string;
  usage: string;
  description: string;
}

/** Every command with its usage and a one-line description, in /help order. */
export const COMMANDS: readonly CommandHelp[] = [
  {
    name: "join",
    usage: "/join #channel[,#other] [key]",
    description: "join channels; the first becomes current",
  },
  {
    name: "part",
    usage: "/part [#channel] [reason]",
    description: "leave a channel (or close a private chat)",
  },
  {
    name: "msg",
    usage: "/msg nick|#channel text",
    description: "send one message without switching",
  },
  {
    name: "query",
    usage: "/query nick [text]",
    description: "open a private chat and switch to it",
  },
  {
    name: "me",
    usage: "/me action",
    description: "describe an action",
  },
  {
    name: "notice",
    usage: "/notice nick|#channel text",
    description: "send a notice",
  },
  { name: "nick", usage: "/nick newnick", description: "change your nickname" },
  {
    name: "topic",
    usage: "/topic [#channel] [text]",
    description: "show or set the topic",
  },
  { name: "names", usage: "/names [#channel]", description: "list the users of a channel" },
  {
    name: "who",
    usage: "/who [mask]",
    description: "list users matching a mask",
  },
  { name: "whois", usage: "/whois nick", description: "show who someone is" },
  { name: "list", usage: "/list [args]", description: "list channels" },
  {
    name: "away",
    usage: "/away [message]",
    description: "set away (no message: back)",
  },
  {
    name: "switch",
    usage: "/switch #channel|nick|N",
    description: "change the current conversation",
  },
  { name: "raw", usage: "/raw LINE", description: "send a raw IRC line (also /quote)" },
  { name: "quit", usage: "/quit [reason]", description: "leave the server and exit" },
  { name: "help", usage: "/help", description: "show this help" },
];

const ALIASES: Record<string, string> = {
  j: "join",
  quote: "raw",
  q: "query",
  leave: "part",
  close: "part",
};

/** The key bindings, for /help. */
export const KEYS: readonly [string, string][] = [
  ["Tab", "complete nicks, /commands, #channels"],
  ["Up / Down", "recall earlier lines"],
  ["Alt-1 … Alt-9", "switch to conversation 1…9 (Alt-0: 10)"],
  ["Alt-Left / Alt-Right, Ctrl-X", "previous / next conversation"],
  ["Ctrl-C, Ctrl-D", "quit (sends QUIT)"],
];

/** The /help text: every command and key, one line each. */
export function helpLines(): string[] {
  const width = Math.max(...COMMANDS.map((c) => c.usage.length), ...KEYS.map(([k]) => k.length));
  return [
    "Commands (text without a / goes to the current conversation; // sends a leading /):",
    ...COMMANDS.map((c) => `  ${c.usage.padEnd(width)}  ${c.description}`),
    "Keys:",
    ...KEYS.map(([k, d]) => `  ${k.padEnd(width)}  ${d}`),
  ];
}

/** Command names for tab completion, with their slash. */
export function commandNames(): string[] {
  return [...COMMANDS.map((c) => `/${c.name}`), ...Object.keys(ALIASES).map((a) => `/${a}`)].sort();
}

/**
 * Room for text in one PRIVMSG so that the line the server relays (`:nick!user@host PRIVMSG
 * target :text`) stays within 512 bytes; user and host are unknown, so allow 10 + 63 bytes.
 */
export function maxTextBytes(nick: string, target: string): number {
  const relayed = 1 + nick.length + 1 + 10 + 1 + 63 + 1 + "PRIVMSG ".length + target.length +
    2 + 2;
  return Math.max(64, 512 - relayed);
}

/** PRIVMSGs (or NOTICEs) carrying `text`, split so each fits in one line. */
export function textMessages(
  command: "PRIVMSG" | "NOTICE",
  target: string,
  text: string,
  nick: string,
): Message[] {
  return splitBytes(text, maxTextBytes(nick, target)).map((piece) => msg(command, [target, piece]));
}

/** /me as CTCP ACTIONs, split like ordinary text. */
export function actionMessages(target: string, text: string, nick: string): Message[] {
  const room = maxTextBytes(nick, target) - "\x01ACTION \x01".length;
  return splitBytes(text, room).map((piece) => msg("PRIVMSG", [target, ctcp("ACTION", piece)]));
}

/** Splits off the first word: `["word", "rest of line"]`. */
function firstWord(s: string): [string, string] {
  const t = s.trimStart();
  const space = t.indexOf(" ");
  return space === -1 ? [t, ""] : [t.slice(0, space), t.slice(space + 1).trimStart()];
}

const NO_TARGET = "No current conversation: /join a #channel or /query a nick first";

/** Interprets one typed line. */
export function interpret(line: string, ctx: CommandContext): InputAction {
  if (line.trim() === "") return { kind: "nothing" };
  if (!line.startsWith("/") || line.startsWith("//")) {
    const text = line.startsWith("//") ? line.slice(1) : line;
    if (ctx.current === undefined) return { kind: "error", message: NO_TARGET };
    return { kind: "send", messages: textMessages("PRIVMSG", ctx.current, text, ctx.nick) };
  }
  const [word, rest] = firstWord(line.slice(1));
  const name = ALIASES[word.toLowerCase()] ?? word.toLowerCase();
  const usage = () => {
    const c = COMMANDS.find((c) => c.name === name)!;
    return { kind: "error", message: `Usage: ${c.usage}` } as const;
  };
  const channelArg = (arg: string): string | undefined =>
    arg !== ""
      ? arg
      : ctx.current !== undefined && ctx.isChannel(ctx.current)
      ? ctx.current
      : undefined;

  switch (name) {
    case "join": {
      const [channels, key] = firstWord(rest);
      if (channels === "") return usage();
      const names = channels.split(",").filter((c) => c !== "").map((c) =>
        ctx.isChannel(c) ? c : `#${c}`
      );
      const params = key === "" ? [names.join(",")] : [names.join(","), firstWord(key)[0]];
      return { kind: "send", messages: [msg("JOIN", params)], switchOnJoin: names.slice(0, 1) };
    }
    case "part": {
      const [first, after] = firstWord(rest);
      const named = first !== "" && ctx.isChannel(first);
      const target = named ? first : ctx.current;
      const reason = named ? after : rest;
      if (target === undefined) return usage();
      if (!ctx.isChannel(target)) return { kind: "close", target };
      return { kind: "send", messages: [msg("PART", reason ? [target, reason] : [target])] };
    }
    case "msg":
    case "notice": {
      const [target, text] = firstWord(rest);
      if (target === "" || text === "") return usage();
      const command = name === "msg" ? "PRIVMSG" : "NOTICE";
      return { kind: "send", messages: textMessages(command, target, text, ctx.nick) };
    }
    case "query": {
      const [target, text] = firstWord(rest);
      if (target === "") return usage();
      if (ctx.isChannel(target)) return { kind: "error", message: "Use /join for channels" };
      const messages = text === "" ? [] : textMessages("PRIVMSG", target, text, ctx.nick);
      return { kind: "open", target, messages };
    }
    case "me": {
      if (rest === "") return usage();
      if (ctx.current === undefined) return { kind: "error", message: NO_TARGET };
      return { kind: "send", messages: actionMessages(ctx.current, rest, ctx.nick) };
    }
    case "nick": {
      const [nick] = firstWord(rest);
      if (nick === "") return usage();
      return { kind: "send", messages: [msg("NICK", [nick])] };
    }
    case "topic": {
      const [first, after] = firstWord(rest);
      const named = first !== "" && ctx.isChannel(first);
      const channel = named ? first : channelArg("");
      const text = named ? after : rest;
      if (channel === undefined) return usage();
      return { kind: "send", messages: [msg("TOPIC", text === "" ? [channel] : [channel, text])] };
    }
    case "names": {
      const channel = channelArg(firstWord(rest)[0]);
      if (channel === undefined) return usage();
      return { kind: "send", messages: [msg("NAMES", [channel])] };
    }
    case "who": {
      const mask = channelArg(firstWord(rest)[0]);
      if (mask === undefined) return usage();
      return { kind: "send", messages: [msg("WHO", [mask])] };
    }
    case "whois": {
      const [nick] = firstWord(rest);
      if (nick === "") return usage();
      return { kind: "send", messages: [msg("WHOIS", [nick])] };
    }
    case "list":
      return { kind: "send", messages: [msg("LIST", rest === "" ? [] : rest.split(" "))] };
    case "away":
      return { kind: "send", messages: [msg("AWAY", rest === "" ? [] : [rest])] };
    case "switch": {
      const [arg] = firstWord(rest);
      if (arg === "") return usage();
      const n = /^\d+$/.test(arg) ? Number(arg) : undefined;
      const found = n !== undefined
        ? ctx.windows[n - 1]
        : ctx.windows.find((w) => sameName(w, arg));
      if (found === undefined) {
        const open = ctx.windows.map((w, i) => `${i + 1}:${w}`).join(" ");
        return { kind: "error", message: `No conversation ${arg} (open: ${open || "none"})` };
      }
      return { kind: "open", target: found, messages: [] };
    }
    case "raw": {
      const m = parseMessage(rest);
      if (m === undefined) return usage();
      return { kind: "send", messages: [m] };
    }
    case "quit":
      return { kind: "quit", reason: rest };
    case "help":
      return { kind: "show", lines: helpLines() };
  }
  return { kind: "error", message: `Unknown command /${word} (try /help)` };
}
