/**
 * Interpreting server messages as things to show the user. `toEvents` is pure: it reads the
 * client state as it was *before* the message is applied (so a QUIT still knows the quitter's
 * channels) and returns display-neutral events that the terminal and pipe renderers format.
 *
 * @module
 */

import { foldCase } from "../protocol/casemap.ts";
import { parseCtcp } from "../protocol/ctcp.ts";
import { type Message, parseSource } from "../protocol/message.ts";
import { N } from "../protocol/numerics.ts";
import { type ClientState, monitorTargets } from "./state.ts";
import { sanitize } from "./text.ts";

/** What kind of line an event is; the renderer picks layout and colour from it. */
export type EventKind =
  /** PRIVMSG text. */
  | "message"
  /** CTCP ACTION (/me). */
  | "action"
  /** NOTICE from a user or a server. */
  | "notice"
  /** Joins, parts, quits, nick changes, kicks, mode changes: the dimmed noise. */
  | "presence"
  /** Server replies: MOTD, WHOIS, LIST, topics, names… */
  | "info"
  /** Error numerics and ERROR. */
  | "error"
  /** The client's own remarks: connecting, reconnecting, nick collision, help. */
  | "status";

/** One line's worth of something to show, independent of how it is rendered. */
export interface ChatEvent {
  kind: EventKind;
  /** When it happened: the server-time tag when the server sent one, else arrival. */
  time: Date;
  /** Readable text, already sanitized (no control characters). */
  text: string;
  /**
   * The conversation it belongs to: a channel, or the other person's nick for private
   * messages; undefined for server-wide lines.
   */
  conversation?: string;
  /** The IRC target as sent (a channel or our nick), for message kinds. */
  target?: string;
  /** Sender's nick (or server name) for message kinds. */
  from?: string;
  /** True for lines we sent ourselves. */
  own?: boolean;
  /** True when someone else's message mentions our nick: highlighted, with a bell. */
  mention?: boolean;
  /** True for messages addressed to us personally rather than to a channel. */
  private?: boolean;
  /** True when the sender is a server rather than a user (no `nick!user@host`). */
  fromServer?: boolean;
  /** The numeric behind an info or error line (`404`), for callers that act on replies. */
  numeric?: string;
}

/** The time a message carries (IRCv3 server-time) or, failing that, `now`. */
export function messageTime(m: Message, now: Date): Date {
  const tag = m.tags?.["time"];
  if (tag) {
    const t = new Date(tag);
    if (!Number.isNaN(t.getTime())) return t;
  }
  return now;
}

/** True when `text` mentions `nick` as a whole word (case-insensitively, IRC folding). */
export function mentions(text: string, nick: string): boolean {
  if (nick === "") return false;
  const hay = foldCase(text);
  const needle = foldCase(nick);
  const word = /[A-Za-z0-9\[\]\\`_^{|}-]/;
  let i = hay.indexOf(needle);
  while (i !== -1) {
    const before = hay.charAt(i - 1); // "" at the start
    const after = hay.charAt(i + needle.length); // "" at the end
    if (!word.test(before) && !word.test(after)) return true;
    i = hay.indexOf(needle, i + 1);
  }
  return false;
}

// Numerics that are bookkeeping, not news: shown by other means or not at all.
const HIDDEN = new Set<string>([
  N.RPL_MYINFO,
  N.RPL_ISUPPORT,
  N.RPL_NAMREPLY,
  N.RPL_LISTSTART,
  N.RPL_CREATIONTIME,
  N.RPL_ENDOFWHO,
  N.RPL_ENDOFWHOIS,
  N.RPL_ENDOFWHOWAS,
  N.RPL_ENDOFBANLIST,
  N.RPL_ENDOFEXCEPTLIST,
  N.RPL_ENDOFINVITELIST,
  "396", // displayed host
]);

// Error-range numerics that are really informational.
const NOT_ERRORS = new Set<string>([N.ERR_NOMOTD]);

/** Numerics whose first parameter after our nick is a channel the line belongs to. */
const CHANNEL_NUMERICS = new Set<string>([
  N.RPL_TOPIC,
  N.RPL_NOTOPIC,
  N.RPL_TOPICWHOTIME,
  N.RPL_CHANNELMODEIS,
  N.RPL_ENDOFNAMES,
  N.RPL_BANLIST,
  N.RPL_EXCEPTLIST,
  N.RPL_INVITELIST,
  N.ERR_CANNOTSENDTOCHAN,
  N.ERR_NOTONCHANNEL,
  N.ERR_CHANOPRIVSNEEDED,
]);

/** The channel a message target names, without a STATUSMSG prefix (`@#chan`); else undefined. */
function channelOf(target: string, state: ClientState): string | undefined {
  if (state.isChannel(target)) return target;
  const bare = target.slice(1);
  if (state.support.statusMsg.includes(target[0] ?? " ") && state.isChannel(bare)) return bare;
  return undefined;
}

function genericText(params: string[]): string {
  // Drop our nick; "x y :text" reads best as "x y: text".
  const rest = params.slice(1);
  if (rest.length <= 1) return rest[0] ?? "";
  const head = rest.slice(0, -1);
  // "254 me 3 :channels formed" reads as a sentence; "401 me bob :No such nick" as subject: text.
  const sep = head.every((x) => /^\d+$/.test(x)) ? " " : ": ";
  return `${head.join(" ")}${sep}${rest.at(-1)}`;
}

function formatDate(seconds: string): string {
  const n = Number(seconds);
  if (!Number.isFinite(n)) return seconds;
  return new Date(n * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

function duration(seconds: string): string {
  let s = Number(seconds);
  if (!Number.isFinite(s)) return seconds;
  const parts: string[] = [];
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60]] as const) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  parts.push(`${s}s`);
  return parts.join(" ");
}

/**
 * Turns one server message into the events to show, reading `state` as it was before the
 * message is applied. Returns an empty array for messages that show nothing (PING, CAP, …).
 */
export function toEvents(m: Message, state: ClientState, now: Date = new Date()): ChatEvent[] {
  const time = messageTime(m, now);
  const source = m.source ?? "";
  const from = parseSource(source).nick;
  const fromServer = source === "" || (!source.includes("!") && source.includes("."));
  const me = state.isMe(from);
  const p = m.params.map(sanitize);
  const ev = (kind: EventKind, text: string, extra: Partial<ChatEvent> = {}): ChatEvent[] => [
    { kind, time, text, ...extra },
  ];
  const conversationOf = (target: string): string => {
    const channel = channelOf(target, state);
    if (channel !== undefined) return state.channel(channel)?.name ?? channel;
    return me ? target : from;
  };

  switch (m.command) {
    case "PRIVMSG":
    case "NOTICE": {
      const target = p[0] ?? "";
      const raw = m.params[1] ?? "";
      const base: Partial<ChatEvent> = {
        conversation: fromServer && !me ? undefined : conversationOf(target),
        target,
        from,
        own: me,
        private: channelOf(target, state) === undefined,
        fromServer,
      };
      const ctcp = parseCtcp(raw);
      if (ctcp && ctcp.verb === "ACTION") {
        const text = sanitize(ctcp.args);
        return ev("action", text, { ...base, mention: !me && mentions(text, state.nick) });
      }
      if (ctcp) {
        if (me) return [];
        const text = m.command === "PRIVMSG"
          ? `${from} asked for CTCP ${ctcp.verb}`
          : `CTCP ${ctcp.verb} reply from ${from}: ${sanitize(ctcp.args)}`;
        return ev("info", text, { conversation: undefined });
      }
      const text = p[1] ?? "";
      const kind = m.command === "PRIVMSG" ? "message" : "notice";
      return ev(kind, text, { ...base, mention: !me && !fromServer && mentions(text, state.nick) });
    }
    case "JOIN": {
      const channel = p[0] ?? "";
      if (me) return ev("presence", `You joined ${channel}`, { conversation: channel });
      const host = source.includes("!") ? ` (${source.slice(source.indexOf("!") + 1)})` : "";
      return ev("presence", `${from}${host} joined ${channel}`, { conversation: channel });
    }
    case "PART": {
      const channel = p[0] ?? "";
      const reason = p[1] ? ` (${p[1]})` : "";
      const who = me ? "You" : from;
      return ev("presence", `${who} left ${channel}${reason}`, { conversation: channel });
    }
    case "KICK": {
      const [channel = "", victim = ""] = p;
      const reason = p[2] ? ` (${p[2]})` : "";
      const who = state.isMe(victim) ? "You were" : `${victim} was`;
      return ev(
        state.isMe(victim) ? "error" : "presence",
        `${who} kicked from ${channel} by ${from}${reason}`,
        {
          conversation: channel,
        },
      );
    }
    case "QUIT": {
      const shared = state.channelsOf(from);
      const reason = p[0] ? ` (${p[0]})` : "";
      return ev("presence", `${from} quit${reason}`, {
        conversation: shared.length === 1 ? shared[0] : undefined,
      });
    }
    case "NICK": {
      const to = p[0] ?? "";
      if (me) return ev("presence", `You are now known as ${to}`);
      const shared = state.channelsOf(from);
      return ev("presence", `${from} is now known as ${to}`, {
        conversation: shared.length === 1 ? shared[0] : undefined,
      });
    }
    case "TOPIC": {
      const channel = p[0] ?? "";
      const text = p[1]
        ? `${from} changed the topic of ${channel} to: ${p[1]}`
        : `${from} cleared the topic of ${channel}`;
      return ev("info", text, { conversation: channel });
    }
    case "MODE": {
      const target = p[0] ?? "";
      const text = `${from} sets mode ${p.slice(1).join(" ")} on ${target}`;
      return ev("presence", text, { conversation: state.isChannel(target) ? target : undefined });
    }
    case "INVITE":
      return ev("info", `${from} invites you to ${p[1] ?? ""}`);
    case "ERROR":
      return ev("error", `Server closed the connection: ${p[0] ?? ""}`);
    case "WALLOPS":
      return ev("notice", p[0] ?? "", { from, fromServer });
    case "PING":
    case "PONG":
    case "CAP":
    case "AUTHENTICATE":
    case "TAGMSG":
    case "BATCH":
    case "AWAY":
    case "ACCOUNT":
    case "CHGHOST":
    case "SETNAME":
    case "MARKREAD": // read markers change unread counts, not the screen
      return [];
  }

  if (!/^\d{3}$/.test(m.command)) {
    return ev("info", `${m.command} ${p.join(" ")}`.trim());
  }
  return numericEvents(m.command, p, state, time);
}

function numericEvents(code: string, p: string[], state: ClientState, time: Date): ChatEvent[] {
  if (HIDDEN.has(code)) return [];
  const info = (text: string, conversation?: string): ChatEvent[] => [
    conversation ? { kind: "info", time, text, conversation } : { kind: "info", time, text },
  ];
  switch (code) {
    case N.RPL_MONONLINE:
    case N.RPL_MONOFFLINE:
      return presenceEvents(code === N.RPL_MONONLINE, p[1], state, time);
    case N.RPL_TOPIC:
      return info(`Topic of ${p[1]}: ${p[2] ?? ""}`, p[1]);
    case N.RPL_NOTOPIC:
      return info(`${p[1]} has no topic`, p[1]);
    case N.RPL_TOPICWHOTIME:
      return info(
        `Topic set by ${parseSource(p[2] ?? "").nick} on ${formatDate(p[3] ?? "")}`,
        p[1],
      );
    case N.RPL_ENDOFNAMES: {
      const channel = p[1] ?? "";
      const names = state.pendingNames(channel);
      return info(`Users in ${channel} (${names.length}): ${names.join(" ")}`, channel);
    }
    case N.RPL_WHOISUSER:
      return info(`${p[1]} is ${p[2]}@${p[3]} (${p[5] ?? ""})`);
    case N.RPL_WHOISSERVER:
      return info(`${p[1]} is on ${p[2]} (${p[3] ?? ""})`);
    case N.RPL_WHOISIDLE:
      return info(
        `${p[1]} has been idle ${duration(p[2] ?? "")}` +
          (p.length > 4 ? `, signed on ${formatDate(p[3] ?? "")}` : ""),
      );
    case N.RPL_WHOISCHANNELS:
      return info(`${p[1]} is in ${p[2] ?? ""}`);
    case N.RPL_AWAY:
      return info(`${p[1]} is away: ${p[2] ?? ""}`);
    case N.RPL_WHOREPLY: {
      // me #chan user host server nick flags :hops realname
      const real = (p[7] ?? "").replace(/^\d+ /, "");
      return info(`${p[1]} ${p[5]} ${p[6]} ${p[2]}@${p[3]} (${real})`);
    }
    case N.RPL_LIST:
      return info(`${p[1]} (${p[2]} users): ${p[3] ?? ""}`);
    case N.RPL_LISTEND:
      return info("End of channel list");
    case N.RPL_CHANNELMODEIS:
      return info(`Modes of ${p[1]}: ${p.slice(2).join(" ")}`, p[1]);
  }
  // "me 1 1 :Current local users 1, max 1": the numbers repeat what the text says.
  const text = code === N.RPL_LOCALUSERS || code === N.RPL_GLOBALUSERS
    ? p.at(-1) ?? ""
    : genericText(p);
  const conversation = CHANNEL_NUMERICS.has(code) && state.isChannel(p[1] ?? "") ? p[1] : undefined;
  const isError = (code[0] === "4" || code[0] === "5") && !NOT_ERRORS.has(code);
  const e: ChatEvent = { kind: isError ? "error" : "info", time, text, numeric: code };
  if (conversation) e.conversation = conversation;
  return [e];
}

/**
 * MONITOR's word on nicks (730 online, 731 offline): a line for each whose presence changed from
 * what was known, in its private conversation when one is open. A reconnect's answers to the
 * same list show nothing new.
 */
function presenceEvents(
  online: boolean,
  list: string | undefined,
  state: ClientState,
  time: Date,
): ChatEvent[] {
  const events: ChatEvent[] = [];
  for (const nick of monitorTargets(list)) {
    if (state.presence.get(foldCase(nick)) === online) continue;
    const text = `${nick} is ${online ? "online" : "offline"}`;
    const conversation = state.findWindow(nick);
    events.push(
      conversation === undefined || state.isChannel(conversation)
        ? { kind: "presence", time, text }
        : { kind: "presence", time, text, conversation },
    );
  }
  return events;
}
