/**
 * IRC messages that change conversations: messages, joins, parts, kicks, quits, nick changes,
 * names and numerics, each turned into lines, members and redraws. Registration, capabilities
 * and batches are incoming.js, which dispatches here.
 *
 * @module
 */

import { buffer, currentBuffer, serverBuffer } from "./buffers.js";
import { addLine, show } from "./conversations.js";
import { renameProfile } from "./metadata.js";
import { actionText, formatLine, isChannel, splitNamesEntry } from "./irc.js";
import { isMe, keyOf, mentions, sendLine, SERVER_KEY, state } from "./session.js";
import { renderAll, renderBufferList, renderMembers, setConnectedStatus } from "./view.js";

/**
 * @typedef {import("./session.js").IrcMessage} IrcMessage
 * @typedef {import("./session.js").Line} Line
 */

/** Messages asked for when joining a channel, where the server keeps history. */
const HISTORY_LINES = 50;

/**
 * Asks for a conversation's latest messages, when the server keeps history.
 * @param {string} channel
 */
export function requestHistory(channel) {
  if (state.caps.has("draft/chathistory") && state.caps.has("batch")) {
    sendLine(formatLine("CHATHISTORY", ["LATEST", channel, "*", String(HISTORY_LINES)]));
  }
}

/**
 * When a message was said: its `time` tag (server-time), else now.
 * @param {IrcMessage} m
 */
export function timeOf(m) {
  const t = m.tags.time ? new Date(m.tags.time) : undefined;
  return t && !isNaN(t.getTime()) ? t : new Date();
}

/**
 * The line a PRIVMSG or NOTICE shows as (CTCP other than ACTION shows nothing).
 * @param {IrcMessage} m
 * @returns {Line | undefined}
 */
export function messageLine(m) {
  const text = m.params[1] ?? "";
  const action = actionText(text);
  if (action === undefined && text.startsWith("\x01")) return undefined;
  return {
    time: timeOf(m),
    kind: action !== undefined ? "action" : m.command === "NOTICE" ? "notice" : "message",
    nick: m.nick,
    text: action ?? text,
    self: isMe(m.nick),
    mention: !isMe(m.nick) && mentions(action ?? text),
    msgid: m.tags.msgid,
    at: timeOf(m).getTime(),
  };
}

/**
 * A PRIVMSG or NOTICE, into its channel or private conversation (server notices to the server's).
 * @param {IrcMessage} m
 * @param {boolean} local shown by us before sending (the server does not echo)
 */
export function onMessage(m, local) {
  const [target] = m.params;
  const fromServer = !m.source.includes("!") && !local;
  if (fromServer || !state.registered) {
    addLine(serverBuffer(), { kind: "notice", text: m.params[1] ?? "", time: timeOf(m) });
    return;
  }
  const line = messageLine(m);
  if (!line) return;
  let b;
  if (isChannel(target.replace(/^[@+]/, ""))) b = buffer(target.replace(/^[@+]/, ""), "channel");
  else if (isMe(m.nick)) b = buffer(target, "query");
  else if (m.command === "NOTICE" && !state.buffers.has(keyOf(m.nick))) b = currentBuffer();
  else b = buffer(m.nick, "query");
  addLine(b, line);
}

/**
 * A JOIN: ours opens the channel (and asks for its history), another's adds a member.
 * @param {IrcMessage} m
 */
export function onJoin(m) {
  const channel = m.params[0];
  const b = buffer(channel, "channel");
  if (isMe(m.nick)) {
    b.name = channel;
    b.joined = true;
    b.members.clear();
    addLine(b, { kind: "event", text: `You joined ${channel}`, time: timeOf(m) });
    if (state.pendingOpen === b.key || state.current === SERVER_KEY) {
      state.pendingOpen = undefined;
      show(b.key);
    } else renderBufferList();
    requestHistory(channel);
    return;
  }
  b.members.set(keyOf(m.nick), { nick: m.nick, prefix: "" });
  addLine(b, { kind: "event", text: `${m.nick} joined`, time: timeOf(m) });
  if (b.key === state.current) renderMembers();
}

/**
 * A PART: ours closes the channel, another's removes a member.
 * @param {IrcMessage} m
 */
export function onPart(m) {
  const [channel, reason] = m.params;
  const b = buffer(channel, "channel");
  if (isMe(m.nick)) {
    state.buffers.delete(b.key);
    if (state.current === b.key) {
      const next = [...state.buffers.values()].find((x) => x.kind === "channel");
      state.current = next?.key ?? SERVER_KEY;
    }
    addLine(serverBuffer(), { kind: "event", text: `You left ${channel}` });
    renderAll();
    return;
  }
  b.members.delete(keyOf(m.nick));
  addLine(b, {
    kind: "event",
    text: `${m.nick} left${reason ? ` (${reason})` : ""}`,
    time: timeOf(m),
  });
  if (b.key === state.current) renderMembers();
}

/**
 * A KICK: ours leaves the channel open but not joined, another's removes a member.
 * @param {IrcMessage} m
 */
export function onKick(m) {
  const [channel, who, reason] = m.params;
  const b = buffer(channel, "channel");
  const why = reason ? ` (${reason})` : "";
  if (isMe(who)) {
    b.joined = false;
    b.members.clear();
    addLine(b, { kind: "error", text: `You were kicked by ${m.nick}${why}` });
  } else {
    b.members.delete(keyOf(who));
    addLine(b, { kind: "event", text: `${who} was kicked by ${m.nick}${why}` });
  }
  if (b.key === state.current) renderMembers();
}

/**
 * A QUIT: said in every conversation the nick was in.
 * @param {IrcMessage} m
 */
export function onQuit(m) {
  const key = keyOf(m.nick);
  const reason = m.params[0] ? ` (${m.params[0]})` : "";
  for (const b of state.buffers.values()) {
    if (b.members.delete(key) || (b.kind === "query" && b.key === key)) {
      addLine(b, { kind: "event", text: `${m.nick} quit${reason}`, time: timeOf(m) });
    }
  }
  renderMembers();
}

/**
 * A nick change: members, private conversations and, when ours, the status follow.
 * @param {IrcMessage} m
 */
export function onNick(m) {
  const oldKey = keyOf(m.nick);
  const nick = m.params[0];
  const me = isMe(m.nick);
  renameProfile(m.nick, nick);
  if (me) {
    state.nick = nick;
    state.wantedNick = nick;
    setConnectedStatus();
  }
  for (const b of state.buffers.values()) {
    const member = b.members.get(oldKey);
    if (member || (me && b.kind !== "server")) {
      if (member) {
        b.members.delete(oldKey);
        b.members.set(keyOf(nick), { ...member, nick });
      }
      const text = me ? `You are now known as ${nick}` : `${m.nick} is now known as ${nick}`;
      addLine(b, { kind: "event", text });
    }
  }
  const query = state.buffers.get(oldKey);
  if (query?.kind === "query" && !me) {
    state.buffers.delete(oldKey);
    query.key = keyOf(nick);
    query.name = nick;
    state.buffers.set(query.key, query);
    if (state.current === oldKey) state.current = query.key;
  }
  renderAll();
}

/**
 * One RPL_NAMREPLY: the first of a reply replaces the member list, the rest add to it.
 * @param {string} channel
 * @param {string} names
 */
export function onNames(channel, names) {
  const b = state.buffers.get(keyOf(channel));
  if (!b) return;
  if (!b.namesPending) {
    b.members.clear();
    b.namesPending = true;
  }
  for (const entry of names.split(" ")) {
    if (!entry) continue;
    const { prefix, nick } = splitNamesEntry(entry, state.prefixes);
    b.members.set(keyOf(nick), { nick, prefix });
  }
}

/**
 * A numeric nothing else handles: errors to the conversation on screen, the rest as info.
 * @param {IrcMessage} m
 */
export function onNumeric(m) {
  const p = m.params.slice(1);
  const text = p.at(-1) ?? "";
  const code = Number(m.command);
  if (code >= 400 && code < 600) {
    const subject = p.slice(0, -1).join(" ");
    addLine(currentBuffer(), { kind: "error", text: subject ? `${subject}: ${text}` : text });
    return;
  }
  if ([372, 375, 376, 2, 3, 4, 251, 252, 253, 254, 255, 265, 266, 422].includes(code)) {
    addLine(serverBuffer(), { kind: "info", text: text.replace(/^- /, "") });
    return;
  }
  if (code === 331 || code === 333 || code === 324 || code === 329) return;
  if (code >= 311 && code <= 320 || code === 330 || code === 338 || code === 671) {
    addLine(currentBuffer(), { kind: "info", text: p.join(" ").replace(/ :?/, " ") });
    return;
  }
  addLine(serverBuffer(), { kind: "info", text: p.join(" ") });
}
