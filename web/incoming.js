/**
 * Every line from the server starts here: `handle` dispatches it. This module keeps the
 * connection's own business (capabilities, SASL and account registration, joining after
 * registration, batches); what happens in conversations is chat_events.js.
 *
 * @module
 */

import { buffer, currentBuffer, serverBuffer } from "./buffers.js";
import {
  messageLine,
  onJoin,
  onKick,
  onMessage,
  onNames,
  onNick,
  onNumeric,
  onPart,
  onQuit,
  requestHistory,
  timeOf,
} from "./chat_events.js";
import { addHistory, addLine } from "./conversations.js";
import { el } from "./dom.js";
import { formatLine, isChannel, saslPlain } from "./irc.js";
import { markSeen, onMarkRead } from "./reading.js";
import { onRedact } from "./redaction.js";
import { keyOf, sendLine, state } from "./session.js";
import { onMetadata, subscribeMetadata } from "./metadata.js";
import {
  renderAll,
  renderMembers,
  renderMessages,
  renderTitle,
  setConnectedStatus,
} from "./view.js";

/**
 * @typedef {import("./session.js").IrcMessage} IrcMessage
 * @typedef {import("./session.js").Line} Line
 */

/** Capabilities the page uses when the server offers them. */
const WANTED_CAPS = [
  "server-time",
  "echo-message",
  "message-tags",
  "batch",
  "draft/chathistory",
  "draft/message-redaction",
  "draft/metadata-2",
  "draft/read-marker",
  "multi-prefix",
];
/** How far back a new connection looks for private conversations to catch up on. */
const PRIVATE_CATCH_UP_MS = 7 * 24 * 3600_000;

/**
 * Joins channels (a comma-separated list), if any.
 * @param {string} channels
 */
export function joinChannels(channels) {
  if (channels) sendLine(formatLine("JOIN", [channels]));
}

/**
 * One line from the server, in order: a line inside an open batch waits for the batch's end.
 * @param {IrcMessage} m
 */
export function handle(m) {
  const batchId = m.tags.batch;
  if (batchId && state.batches.has(batchId) && m.command !== "BATCH") {
    state.batches.get(batchId)?.messages.push(m);
    return;
  }
  const p = m.params;
  switch (m.command) {
    case "PING":
      sendLine(formatLine("PONG", p));
      return;
    case "CAP":
      return onCap(m);
    case "BATCH":
      return onBatch(m);
    case "001":
      // Logged in to an account whose user is here, this is that user's nick, not ours.
      state.registered = true;
      state.attempts = 0;
      state.nick = p[0];
      state.wantedNick = p[0];
      if (m.source) state.serverName = m.source;
      serverBuffer().name = state.serverName;
      setConnectedStatus();
      addLine(serverBuffer(), { kind: "info", text: p.at(-1) ?? "" });
      subscribeMetadata();
      onRegistered();
      return;
    case "005":
      for (const token of p.slice(1, -1)) {
        const [k, v = ""] = token.split("=");
        if (k === "CASEMAPPING") state.casemapping = v;
        if (k === "PREFIX") state.prefixes = v.replace(/^\([^)]*\)/, "");
      }
      return;
    case "433": // nickname in use
      if (!state.registered && state.registering) {
        return loginFailed(`"${p[1]}" is taken: pick another nickname, or log in to it`);
      }
      if (!state.registered) {
        state.wantedNick = `${state.wantedNick}_`.slice(-30);
        sendLine(formatLine("NICK", [state.wantedNick]));
        return;
      }
      break;
    case "432": // erroneous nickname
      if (!state.registered) {
        state.quitting = true;
        el.loginError.textContent = `"${p[1]}" cannot be used as a nickname: ${p.at(-1)}`;
        state.ws?.close();
        return;
      }
      break;
    case "METADATA":
      if (onMetadata(p)) renderMessages();
      return;
    case "JOIN":
      return onJoin(m);
    case "PART":
      return onPart(m);
    case "KICK":
      return onKick(m);
    case "QUIT":
      return onQuit(m);
    case "NICK":
      return onNick(m);
    case "PRIVMSG":
    case "NOTICE":
      return onMessage(m, false);
    case "TOPIC": {
      const b = buffer(p[0], "channel");
      b.topic = p[1] ?? "";
      addLine(b, {
        kind: "event",
        text: `${m.nick} set the topic: ${p[1] ?? ""}`,
        time: timeOf(m),
      });
      renderTitle();
      return;
    }
    case "MODE":
      if (isChannel(p[0])) {
        const b = buffer(p[0], "channel");
        addLine(b, { kind: "event", text: `${m.nick} sets mode ${p.slice(1).join(" ")}` });
        if (/[ov]/.test(p[1] ?? "")) sendLine(formatLine("NAMES", [p[0]]));
      }
      return;
    case "332": // topic
      buffer(p[1], "channel").topic = p[2] ?? "";
      renderTitle();
      return;
    case "353":
      return onNames(p[2], p[3] ?? "");
    case "366": {
      const b = state.buffers.get(keyOf(p[1]));
      if (b) b.namesPending = false;
      if (b?.key === state.current) renderMembers();
      return;
    }
    case "ERROR":
      addLine(serverBuffer(), { kind: "error", text: p[0] ?? "" });
      return;
    case "MARKREAD":
      return onMarkRead(p[0], p[1]);
    case "REDACT":
      return onRedact(m);
    case "CHATHISTORY": // TARGETS: a private conversation with news
      if (p[0] === "TARGETS" && p[1] && !isChannel(p[1])) {
        buffer(p[1], "query");
        requestHistory(p[1]);
      }
      return;
    case "AUTHENTICATE":
      if (p[0] === "+" && state.password && !state.registering) {
        for (const chunk of saslPlain(state.accountName, state.password)) {
          sendLine(formatLine("AUTHENTICATE", [chunk]));
        }
      }
      return;
    case "900": // logged in
      state.account = p[2];
      setConnectedStatus();
      addLine(serverBuffer(), { kind: "info", text: p.at(-1) ?? "" });
      if (state.registered) afterLogin();
      return;
    case "901": // logged out
      state.account = undefined;
      setConnectedStatus();
      break;
    case "903": // SASL success
      endCaps();
      return;
    case "902":
    case "904":
    case "905":
    case "906":
      if (!state.registered) return loginFailed(p.at(-1) ?? "Logging in failed");
      break;
    case "908": // the mechanisms offered: 904 follows
      return;
    case "REGISTER":
      if (p[0] === "SUCCESS") {
        state.registering = false;
        joinChannels(state.afterRegister);
        state.afterRegister = "";
      }
      return;
    case "FAIL":
      if (p[0] === "REGISTER" && state.registering) return loginFailed(p.at(-1) ?? "");
      // a refused delete is told where it was asked
      addLine(p[0] === "REDACT" ? currentBuffer() : serverBuffer(), {
        kind: "error",
        text: p.at(-1) ?? "",
      });
      return;
  }
  if (/^\d{3}$/.test(m.command)) return onNumeric(m);
}

/** @param {IrcMessage} m */
function onCap(m) {
  const [, sub, ...rest] = m.params;
  if (sub === "LS") {
    const more = rest[0] === "*";
    for (const item of (more ? rest[1] : rest[0])?.split(" ") ?? []) {
      if (item) state.offered.add(item.split("=")[0]);
    }
    if (more) return;
    const login = state.password && !state.registering ? ["sasl"] : [];
    const register = state.registering ? ["draft/account-registration"] : [];
    const wanted = [...WANTED_CAPS, ...login, ...register].filter((c) => state.offered.has(c));
    if (wanted.length > 0) sendLine(formatLine("CAP", ["REQ", wanted.join(" ")]));
    else endCaps();
  } else if (sub === "ACK") {
    for (const c of (rest.at(-1) ?? "").split(" ")) if (c) state.caps.add(c.replace(/^-/, ""));
    if (state.caps.has("sasl") && state.password && !state.registering) {
      sendLine("AUTHENTICATE PLAIN"); // CAP END once it is done (903) or failed
    } else endCaps();
  } else if (sub === "NAK") {
    endCaps();
  }
}

function endCaps() {
  if (state.capsDone) return;
  state.capsDone = true;
  sendLine("CAP END");
}

function onRegistered() {
  const channels = [...state.buffers.values()].filter((b) => b.kind === "channel" && b.joined);
  for (const b of channels) b.joined = false;
  const rejoin = channels.map((b) => b.name);
  const wanted = el.channelsToJoin.value.split(/[\s,]+/).filter(Boolean)
    .map((c) => isChannel(c) ? c : `#${c}`);
  const all = [...new Set([...rejoin, ...wanted].map((c) => c))];
  if (rejoin.length === 0 && wanted.length > 0) state.pendingOpen = keyOf(wanted[0]);
  el.channelsToJoin.value = "";
  renderAll();
  el.input.focus();
  if (state.registering) {
    // The account is named after the nick we have: create it, then join.
    if (!state.caps.has("draft/account-registration")) {
      return loginFailed("This server does not let you create an account here");
    }
    state.afterRegister = all.join(",");
    sendLine(formatLine("REGISTER", ["*", "*", state.password]));
    return;
  }
  if (state.password && state.account === undefined && !state.offered.has("sasl")) {
    sendLine(
      formatLine("PRIVMSG", ["NickServ", `IDENTIFY ${state.accountName} ${state.password}`]),
    );
  }
  joinChannels(all.join(","));
  if (state.account !== undefined) afterLogin();
}

/**
 * Logged in and connected: the channels come as JOINs (the account's user may be in more than
 * we asked for); private conversations are looked up, to catch up on and count unread in.
 */
function afterLogin() {
  if (state.privateAsked || !state.caps.has("draft/chathistory")) return;
  state.privateAsked = true;
  const now = Date.now();
  const from = new Date(now - PRIVATE_CATCH_UP_MS).toISOString();
  const to = new Date(now + PRIVATE_CATCH_UP_MS).toISOString();
  sendLine(formatLine("CHATHISTORY", ["TARGETS", `timestamp=${from}`, `timestamp=${to}`, "50"]));
  for (const b of state.buffers.values()) {
    if (b.kind === "query") sendLine(formatLine("MARKREAD", [b.name]));
  }
  markSeen(currentBuffer(), true);
}

/**
 * Logging in or creating the account failed: nothing else happens (no guest session), the
 * login form comes back with the reason.
 * @param {string} reason
 */
function loginFailed(reason) {
  state.quitting = true;
  el.loginError.textContent = reason;
  sendLine(formatLine("QUIT", ["Login failed"]));
  state.ws?.close();
}

/** @param {IrcMessage} m */
function onBatch(m) {
  const [ref, type = "", target = ""] = m.params;
  if (ref.startsWith("+")) {
    state.batches.set(ref.slice(1), { type, target, messages: [] });
    return;
  }
  const batch = state.batches.get(ref.slice(1));
  state.batches.delete(ref.slice(1));
  if (!batch) return;
  if (batch.type === "chathistory" || batch.type === "draft/chathistory") {
    const b = buffer(batch.target, isChannel(batch.target) ? "channel" : "query");
    /** @type {Line[]} */
    const lines = [];
    for (const hm of batch.messages) {
      const line = messageLine(hm);
      if (line) lines.push({ ...line, history: true });
    }
    addHistory(b, lines);
  } else {
    for (const inner of batch.messages) {
      delete inner.tags.batch;
      handle(inner);
    }
  }
}
