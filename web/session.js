/**
 * What the page knows of its connection and its conversations: one mutable record every module
 * reads and updates, the names it keys conversations by, and the one way to send a line.
 *
 * @module
 */

import { fold } from "./irc.js";

/** Lines kept per conversation. */
export const MAX_LINES = 1000;
/** The server conversation's key: no channel or nick folds to it. */
export const SERVER_KEY = "\0server";

/**
 * @typedef {{ time: Date, kind: string, nick?: string, text: string, self?: boolean,
 *   mention?: boolean, history?: boolean, msgid?: string, at?: number }} Line
 * @typedef {{ key: string, name: string, kind: "server" | "channel" | "query", lines: Line[],
 *   unread: number, mention: boolean, members: Map<string, { nick: string, prefix: string }>,
 *   topic: string, joined: boolean, namesPending: boolean, readAt?: number, marker?: number,
 *   markTimer?: ReturnType<typeof setTimeout> }} Buffer
 * (`readAt`: read up to here, from the account's marker or from showing the conversation;
 * `marker`: the account's marker as the server last said)
 * @typedef {import("./irc.js").IrcMessage} IrcMessage
 */

/** The page's state, shared by its modules. */
export const state = {
  /** @type {WebSocket | undefined} */
  ws: undefined,
  nick: "",
  wantedNick: "",
  registered: false,
  /**
   * The account's password, kept in memory only (never stored) to log in again after a drop;
   * empty when not logging in.
   */
  password: "",
  /** The account to log in to: the nick typed at login. */
  accountName: "",
  /** Create the account (REGISTER) once connected, rather than log in to it. */
  registering: false,
  /** The channels to join once the account is created. */
  afterRegister: "",
  /** The account this connection is logged in to. */
  /** @type {string | undefined} */
  account: undefined,
  privateAsked: false,
  /** The user quit: do not reconnect. */
  quitting: false,
  attempts: 0,
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  reconnectTimer: undefined,
  /** @type {Set<string>} */
  offered: new Set(),
  /** @type {Set<string>} */
  caps: new Set(),
  capsDone: false,
  casemapping: "rfc1459",
  prefixes: "@+",
  serverName: "server",
  /** @type {Map<string, Buffer>} */
  buffers: new Map(),
  current: SERVER_KEY,
  /** A conversation to show as soon as it exists (after /join, /query). */
  /** @type {string | undefined} */
  pendingOpen: undefined,
  /** @type {Map<string, { type: string, target: string, messages: IrcMessage[] }>} */
  batches: new Map(),
  /** @type {import("./irc.js").CompletionState | undefined} */
  completion: undefined,
  /** @type {string[]} */
  sent: [],
  sentIndex: 0,
};

/**
 * A channel's or nick's conversation key, folded by the server's casemapping so that `#Chat`
 * and `#chat` are one conversation.
 * @param {string} name
 */
export function keyOf(name) {
  return fold(name, state.casemapping);
}

/**
 * Whether a nick is this connection's, under the server's casemapping.
 * @param {string} nick
 */
export function isMe(nick) {
  return keyOf(nick) === keyOf(state.nick);
}

/**
 * Whether a text names this connection's nick as a word: such lines are highlighted and counted.
 * @param {string} text
 */
export function mentions(text) {
  if (!state.nick) return false;
  const escaped = state.nick.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^\\w])${escaped}($|[^\\w])`, "i").test(text);
}

/**
 * Sends one IRC line when the socket is open; dropped otherwise (a reconnect rejoins).
 * @param {string} line
 */
export function sendLine(line) {
  if (state.ws?.readyState === WebSocket.OPEN) state.ws.send(line);
}

/** Whether the server lets this connection delete messages (REDACT, redaction.js). */
export function canRedact() {
  return state.caps.has("draft/message-redaction");
}

/** Whether this connection keeps read markers: logged in, with the capabilities. */
export function canMark() {
  return state.registered && state.account !== undefined &&
    state.caps.has("draft/read-marker") && state.caps.has("server-time");
}
