/**
 * chat's web page: connects to the server it was loaded from over WebSocket (IRCv3
 * `text.ircv3.net`), keeps one view per channel or private conversation, and renders them.
 * The IRC text helpers live in irc.js; this file is the DOM and the socket.
 *
 * @module
 */

import {
  actionText,
  COMMANDS,
  completeNick,
  fold,
  formatLine,
  isChannel,
  nickHue,
  parseInput,
  parseLine,
  reconnectDelay,
  saslPlain,
  splitNamesEntry,
  stripFormatting,
} from "./irc.js";
import { latestSaid, markerParam, parseMarker, unreadOf } from "./read_markers.js";

/** Capabilities the page uses when the server offers them. */
const WANTED_CAPS = [
  "server-time",
  "echo-message",
  "message-tags",
  "batch",
  "draft/chathistory",
  "draft/read-marker",
  "multi-prefix",
];
/** Lines kept per conversation. */
const MAX_LINES = 1000;
/** Messages asked for when joining a channel, where the server keeps history. */
const HISTORY_LINES = 50;
const SERVER_KEY = "\0server";
/** How far back a new connection looks for private conversations to catch up on. */
const PRIVATE_CATCH_UP_MS = 7 * 24 * 3600_000;
/** A read marker for a conversation being read waits this long for more lines (ms). */
const MARK_DELAY_MS = 500;

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

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const el = {
  status: $("status"),
  login: /** @type {HTMLFormElement} */ ($("login")),
  nick: /** @type {HTMLInputElement} */ ($("nick")),
  password: /** @type {HTMLInputElement} */ ($("password")),
  register: /** @type {HTMLInputElement} */ ($("register")),
  channelsToJoin: /** @type {HTMLInputElement} */ ($("channels-to-join")),
  loginError: $("login-error"),
  app: $("app"),
  bufferList: $("buffer-list"),
  joinForm: /** @type {HTMLFormElement} */ ($("join-form")),
  joinInput: /** @type {HTMLInputElement} */ ($("join-input")),
  title: $("buffer-title"),
  topic: $("topic"),
  messages: $("messages"),
  inputForm: /** @type {HTMLFormElement} */ ($("input-form")),
  input: /** @type {HTMLInputElement} */ ($("input")),
  members: $("members"),
  memberList: $("member-list"),
  membersTitle: $("members-title"),
  channelsPanel: $("channels"),
  skip: $("skip"),
  showChannels: $("show-channels"),
  showMembers: $("show-members"),
};

const state = {
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

// ---------------------------------------------------------------- conversations

/** @param {string} name */
function keyOf(name) {
  return fold(name, state.casemapping);
}

/**
 * @param {string} name
 * @param {Buffer["kind"]} kind
 * @returns {Buffer}
 */
function buffer(name, kind) {
  const key = kind === "server" ? SERVER_KEY : keyOf(name);
  let b = state.buffers.get(key);
  if (!b) {
    b = {
      key,
      name,
      kind,
      lines: [],
      unread: 0,
      mention: false,
      members: new Map(),
      topic: "",
      joined: false,
      namesPending: false,
    };
    state.buffers.set(key, b);
    if (kind === "query" && canMark()) sendLine(formatLine("MARKREAD", [name]));
    renderBufferList();
  }
  return b;
}

function serverBuffer() {
  return buffer(state.serverName, "server");
}

function currentBuffer() {
  return state.buffers.get(state.current) ?? serverBuffer();
}

/** @param {string} key */
function show(key) {
  if (!state.buffers.has(key)) return;
  state.current = key;
  const b = currentBuffer();
  markSeen(b, true);
  state.completion = undefined;
  renderAll();
}

/** Whether this connection keeps read markers: logged in, with the capabilities. */
function canMark() {
  return state.registered && state.account !== undefined &&
    state.caps.has("draft/read-marker") && state.caps.has("server-time");
}

/** @param {Buffer} b */
function refreshUnread(b) {
  const { count, mention } = unreadOf(b.lines, b.readAt, b.kind === "query");
  b.unread = count;
  b.mention = mention;
}

/**
 * The conversation is on screen: what it shows is read, here and (MARKREAD) on the account's
 * other devices. At once when it was just opened, else after a short wait that gathers lines.
 * A page in a hidden tab reads nothing.
 * @param {Buffer} b
 * @param {boolean} now
 */
function markSeen(b, now) {
  if (document.hidden) {
    refreshUnread(b);
    renderBufferList();
    return;
  }
  const latest = latestSaid(b.lines);
  if (latest !== undefined && (b.readAt === undefined || latest > b.readAt)) b.readAt = latest;
  refreshUnread(b);
  if (b.kind === "server" || latest === undefined || !canMark()) return;
  if (b.marker !== undefined && latest <= b.marker) return;
  clearTimeout(b.markTimer);
  b.markTimer = setTimeout(() => {
    b.markTimer = undefined;
    if (state.buffers.get(b.key) !== b || !canMark()) return;
    if (b.marker === undefined || latest > b.marker) {
      sendLine(formatLine("MARKREAD", [b.name, markerParam(latest)]));
    }
  }, now ? 0 : MARK_DELAY_MS);
}

/**
 * The account's marker for a conversation, told after a JOIN, in answer to ours, or because
 * another device read it: counts change to match.
 * @param {string} target
 * @param {string | undefined} param
 */
function onMarkRead(target, param) {
  const b = state.buffers.get(keyOf(target));
  const time = parseMarker(param);
  if (!b || time === undefined) return;
  if (b.marker === undefined || time > b.marker) b.marker = time;
  if (b.readAt === undefined || time > b.readAt) b.readAt = time;
  refreshUnread(b);
  renderBufferList();
  renderTitle();
}

/**
 * Adds a line to a conversation and to the screen if it is the one shown.
 * @param {Buffer} b
 * @param {Omit<Line, "time"> & { time?: Date }} line
 */
function addLine(b, line) {
  const full = /** @type {Line} */ ({ time: new Date(), ...line });
  if (full.msgid && b.lines.some((l) => l.msgid === full.msgid)) return;
  b.lines.push(full);
  if (b.lines.length > MAX_LINES) b.lines.splice(0, b.lines.length - MAX_LINES);
  if (b.key === state.current) appendLine(full);
  if (full.at !== undefined && !full.self) {
    if (b.key === state.current) markSeen(b, false);
    else {
      refreshUnread(b);
      renderBufferList();
    }
  }
  renderTitle();
}

/**
 * Puts earlier messages (history) before what the conversation already shows.
 * @param {Buffer} b
 * @param {Line[]} lines
 */
function addHistory(b, lines) {
  const known = new Set(b.lines.map((l) => l.msgid).filter(Boolean));
  const fresh = lines.filter((l) => !l.msgid || !known.has(l.msgid));
  if (fresh.length === 0) return;
  b.lines = [
    ...fresh,
    { time: new Date(), kind: "divider", text: "earlier messages above" },
    ...b.lines,
  ]
    .slice(-MAX_LINES);
  if (b.key === state.current) {
    renderMessages();
    markSeen(b, true);
  } else refreshUnread(b);
  renderBufferList();
  renderTitle();
}

/** @param {string} text */
function mentions(text) {
  if (!state.nick) return false;
  const escaped = state.nick.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^\\w])${escaped}($|[^\\w])`, "i").test(text);
}

// ---------------------------------------------------------------- rendering

function renderAll() {
  renderBufferList();
  renderMessages();
  renderMembers();
  renderTitle();
}

function renderTitle() {
  const b = currentBuffer();
  el.title.textContent = b.kind === "server" ? state.serverName : b.name;
  el.topic.textContent = b.kind === "channel" ? stripFormatting(b.topic) : "";
  let unread = 0;
  for (const other of state.buffers.values()) unread += other.unread;
  document.title = `${unread ? `(${unread}) ` : ""}${el.title.textContent} · chat`;
}

function renderBufferList() {
  const items = [...state.buffers.values()].sort((a, b) =>
    a.kind === "server" ? -1 : b.kind === "server" ? 1 : a.key < b.key ? -1 : 1
  );
  el.bufferList.replaceChildren(...items.map((b) => {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.key = b.key;
    if (b.key === state.current) button.setAttribute("aria-current", "true");
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = b.kind === "server" ? state.serverName : b.name;
    button.append(name);
    if (b.unread > 0) {
      const badge = document.createElement("span");
      badge.className = b.mention ? "unread mention" : "unread";
      badge.textContent = String(b.unread);
      const hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = b.mention ? " unread, mentions you" : " unread";
      badge.append(hidden);
      button.append(badge);
    }
    button.addEventListener("click", () => {
      show(b.key);
      closePanels();
      el.input.focus();
    });
    li.append(button);
    return li;
  }));
}

function renderMessages() {
  const b = currentBuffer();
  el.messages.setAttribute("aria-busy", "true");
  el.messages.replaceChildren(...b.lines.map(lineElement));
  el.messages.removeAttribute("aria-busy");
  el.messages.scrollTop = el.messages.scrollHeight;
}

/** @param {Line} line */
function appendLine(line) {
  const box = el.messages;
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  box.append(lineElement(line));
  while (box.childElementCount > MAX_LINES) box.firstElementChild?.remove();
  if (atBottom || line.self) box.scrollTop = box.scrollHeight;
}

/** @param {number} n */
function two(n) {
  return String(n).padStart(2, "0");
}

/**
 * @param {Line} line
 * @returns {HTMLLIElement}
 */
function lineElement(line) {
  const li = document.createElement("li");
  li.className = line.kind;
  if (line.mention) li.classList.add("mention");
  if (line.history) li.classList.add("history");
  if (line.kind === "divider") {
    li.textContent = line.text;
    return li;
  }
  const time = document.createElement("time");
  time.dateTime = line.time.toISOString();
  time.title = line.time.toLocaleString();
  time.textContent = `${two(line.time.getHours())}:${two(line.time.getMinutes())}`;
  li.append(time);
  if (line.nick !== undefined && line.kind !== "event") {
    if (line.kind === "action") li.append("* ");
    const nick = document.createElement("span");
    nick.className = "nick";
    nick.style.setProperty("--hue", String(nickHue(line.nick)));
    nick.textContent = line.kind === "notice" ? `-${line.nick}-` : line.nick;
    li.append(nick, line.kind === "action" ? " " : ": ");
  }
  li.append(...linkify(stripFormatting(line.text)));
  return li;
}

/**
 * Text with web addresses as links (built as nodes: nothing from the network becomes HTML).
 * @param {string} text
 * @returns {(string | HTMLAnchorElement)[]}
 */
function linkify(text) {
  /** @type {(string | HTMLAnchorElement)[]} */
  const out = [];
  let last = 0;
  for (const m of text.matchAll(/\bhttps?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]'}]/g)) {
    out.push(text.slice(last, m.index));
    const a = document.createElement("a");
    a.href = m[0];
    a.textContent = m[0];
    a.rel = "noopener noreferrer nofollow";
    a.target = "_blank";
    out.push(a);
    last = (m.index ?? 0) + m[0].length;
  }
  out.push(text.slice(last));
  return out;
}

function renderMembers() {
  const b = currentBuffer();
  const isChan = b.kind === "channel";
  el.showMembers.hidden = !isChan;
  el.members.hidden = !isChan;
  if (!isChan) return;
  const rank = (/** @type {string} */ p) => p === "" ? 99 : state.prefixes.indexOf(p);
  const members = [...b.members.values()].sort((x, y) =>
    rank(x.prefix) - rank(y.prefix) || (x.nick.toLowerCase() < y.nick.toLowerCase() ? -1 : 1)
  );
  el.membersTitle.textContent = `Members (${members.length})`;
  el.memberList.replaceChildren(...members.map((m) => {
    const li = document.createElement("li");
    const prefix = document.createElement("span");
    prefix.className = "prefix";
    prefix.textContent = m.prefix;
    prefix.setAttribute("aria-hidden", m.prefix ? "false" : "true");
    const nick = document.createElement("span");
    nick.className = "nick";
    nick.style.setProperty("--hue", String(nickHue(m.nick)));
    nick.textContent = m.nick;
    li.append(prefix, nick);
    return li;
  }));
}

/** @param {string} text */
function setStatus(text) {
  el.status.textContent = text;
}

/** @param {string} text */
function info(text, kind = "info") {
  addLine(currentBuffer(), { kind, text });
}

// ---------------------------------------------------------------- connection

/** The WebSocket next to the page (relative, so a reverse proxy may serve chat under a path). */
function socketUrl() {
  const url = new URL(".", location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}

/** @param {string} line */
function sendLine(line) {
  if (state.ws?.readyState === WebSocket.OPEN) state.ws.send(line);
}

function connect() {
  clearTimeout(state.reconnectTimer);
  state.registered = false;
  state.caps = new Set();
  state.offered = new Set();
  state.capsDone = false;
  state.account = undefined;
  state.privateAsked = false;
  state.batches.clear();
  setStatus(`Connecting to ${location.host}…`);
  const ws = new WebSocket(socketUrl(), ["text.ircv3.net"]);
  state.ws = ws;
  ws.addEventListener("open", () => {
    sendLine("CAP LS 302");
    sendLine(formatLine("NICK", [state.wantedNick]));
    sendLine(formatLine("USER", [state.wantedNick, "0", "*", state.wantedNick]));
  });
  ws.addEventListener("message", (e) => {
    if (typeof e.data !== "string") return;
    for (const raw of e.data.split(/\r?\n/)) {
      const m = raw && parseLine(raw);
      if (m) handle(m);
    }
  });
  ws.addEventListener("close", () => {
    if (state.ws !== ws) return;
    state.ws = undefined;
    const wasRegistered = state.registered;
    state.registered = false;
    for (const b of state.buffers.values()) {
      b.members.clear();
      if (b.kind === "channel" && wasRegistered) {
        addLine(b, { kind: "event", text: "Disconnected" });
      }
    }
    renderMembers();
    if (state.quitting) {
      state.password = "";
      setStatus("Disconnected");
      showLogin();
      return;
    }
    const delay = reconnectDelay(state.attempts++);
    setStatus(`Disconnected. Reconnecting in ${Math.ceil(delay / 1000)} s…`);
    state.reconnectTimer = setTimeout(connect, delay);
  });
}

/** @param {string} channels */
function joinChannels(channels) {
  if (channels) sendLine(formatLine("JOIN", [channels]));
}

/** @param {string} channel */
function requestHistory(channel) {
  if (state.caps.has("draft/chathistory") && state.caps.has("batch")) {
    sendLine(formatLine("CHATHISTORY", ["LATEST", channel, "*", String(HISTORY_LINES)]));
  }
}

// ---------------------------------------------------------------- incoming

/** @param {IrcMessage} m */
function timeOf(m) {
  const t = m.tags.time ? new Date(m.tags.time) : undefined;
  return t && !isNaN(t.getTime()) ? t : new Date();
}

/** @param {string} nick */
function isMe(nick) {
  return keyOf(nick) === keyOf(state.nick);
}

/** @param {IrcMessage} m */
function handle(m) {
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
      addLine(serverBuffer(), { kind: "error", text: p.at(-1) ?? "" });
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

function setConnectedStatus() {
  const account = state.account !== undefined ? ` (account ${state.account})` : "";
  setStatus(state.registered ? `Connected as ${state.nick}${account}` : "Connecting…");
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

/**
 * The line a PRIVMSG or NOTICE shows as (CTCP other than ACTION shows nothing).
 * @param {IrcMessage} m
 * @returns {Line | undefined}
 */
function messageLine(m) {
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
 * @param {IrcMessage} m
 * @param {boolean} local shown by us before sending (the server does not echo)
 */
function onMessage(m, local) {
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

/** @param {IrcMessage} m */
function onJoin(m) {
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

/** @param {IrcMessage} m */
function onPart(m) {
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

/** @param {IrcMessage} m */
function onKick(m) {
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

/** @param {IrcMessage} m */
function onQuit(m) {
  const key = keyOf(m.nick);
  const reason = m.params[0] ? ` (${m.params[0]})` : "";
  for (const b of state.buffers.values()) {
    if (b.members.delete(key) || (b.kind === "query" && b.key === key)) {
      addLine(b, { kind: "event", text: `${m.nick} quit${reason}`, time: timeOf(m) });
    }
  }
  renderMembers();
}

/** @param {IrcMessage} m */
function onNick(m) {
  const oldKey = keyOf(m.nick);
  const nick = m.params[0];
  const me = isMe(m.nick);
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
 * @param {string} channel
 * @param {string} names
 */
function onNames(channel, names) {
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

/** @param {IrcMessage} m */
function onNumeric(m) {
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

// ---------------------------------------------------------------- input

/** @param {string} text */
function submit(text) {
  const b = currentBuffer();
  const target = b.kind === "server" ? undefined : b.name;
  const action = parseInput(text, target);
  if (action.error) info(action.error, "error");
  if (action.help) {
    info("Commands:");
    for (const [usage, what] of COMMANDS) info(`${usage} — ${what}`);
    info("Keys: Tab completes nicknames, Alt+Up/Down switch conversations, Up/Down recall input.");
  }
  if (action.quit) state.quitting = true;
  if (action.open) {
    const key = keyOf(action.open);
    if (isChannel(action.open)) {
      if (state.buffers.get(key)?.joined) show(key);
      else state.pendingOpen = key;
    } else {
      buffer(action.open, "query");
      show(key);
    }
  }
  if (action.send.length > 0 && !state.registered) {
    info("Not connected: the message was not sent.", "error");
    return;
  }
  for (const line of action.send) {
    sendLine(line);
    const m = parseLine(line);
    if (m?.command === "PRIVMSG" && !state.caps.has("echo-message")) {
      onMessage({ ...m, source: `${state.nick}!local`, nick: state.nick }, true);
    }
  }
}

el.inputForm.addEventListener("submit", (e) => {
  e.preventDefault();
  const text = el.input.value;
  if (text.trim() === "") return;
  state.sent.push(text);
  if (state.sent.length > 100) state.sent.shift();
  state.sentIndex = state.sent.length;
  el.input.value = "";
  state.completion = undefined;
  submit(text);
});

el.input.addEventListener("keydown", (e) => {
  if (e.key === "Tab" && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey) {
    const nicks = [...currentBuffer().members.values()].map((m) => m.nick)
      .filter((n) => !isMe(n));
    if (currentBuffer().kind === "query") nicks.push(currentBuffer().name);
    const done = completeNick(
      el.input.value,
      el.input.selectionStart ?? el.input.value.length,
      nicks,
      state.completion,
    );
    if (!done) return; // nothing to complete: Tab moves the focus as usual
    e.preventDefault();
    el.input.value = done.value;
    el.input.setSelectionRange(done.cursor, done.cursor);
    state.completion = done.state;
    return;
  }
  if (e.key !== "Shift") state.completion = undefined;
  if (e.altKey && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
    e.preventDefault();
    const keys = [...el.bufferList.querySelectorAll("button")].map((b) => b.dataset.key ?? "");
    const at = keys.indexOf(state.current);
    const next = keys[(at + (e.key === "ArrowUp" ? -1 : 1) + keys.length) % keys.length];
    if (next !== undefined) show(next);
    return;
  }
  if (e.key === "ArrowUp" && state.sentIndex > 0) {
    e.preventDefault();
    el.input.value = state.sent[--state.sentIndex];
  } else if (e.key === "ArrowDown" && state.sentIndex < state.sent.length) {
    e.preventDefault();
    el.input.value = state.sent[++state.sentIndex] ?? "";
  }
});

el.joinForm.addEventListener("submit", (e) => {
  e.preventDefault();
  const name = el.joinInput.value.trim();
  if (!name) return;
  el.joinInput.value = "";
  submit(`/join ${name}`);
  closePanels();
  el.input.focus();
});

// ---------------------------------------------------------------- login and panels

function showLogin() {
  el.app.hidden = true;
  el.skip.hidden = true;
  el.showChannels.hidden = true;
  el.showMembers.hidden = true;
  el.login.hidden = false;
  el.nick.value = state.accountName || state.wantedNick || el.nick.value;
  const joined = [...state.buffers.values()].filter((b) => b.kind === "channel")
    .map((b) => b.name);
  if (joined.length > 0) el.channelsToJoin.value = joined.join(",");
  el.nick.focus();
}

el.login.addEventListener("submit", (e) => {
  e.preventDefault();
  const nick = el.nick.value.trim();
  if (!nick) return;
  const password = el.password.value;
  if (el.register.checked && password === "") {
    el.loginError.textContent = "Choose a password for the new account.";
    el.password.focus();
    return;
  }
  el.loginError.textContent = "";
  // The password stays in this page's memory only (to log in again after a drop), not the form.
  state.password = password;
  state.accountName = password ? nick : "";
  state.registering = el.register.checked;
  el.password.value = "";
  el.register.checked = false;
  state.wantedNick = nick;
  state.quitting = false;
  state.attempts = 0;
  state.buffers.clear();
  state.current = SERVER_KEY;
  serverBuffer();
  try {
    localStorage.setItem("chat.nick", nick);
  } catch { /* storage may be off */ }
  el.login.hidden = true;
  el.app.hidden = false;
  el.skip.hidden = false;
  el.showChannels.hidden = false;
  renderAll();
  el.input.focus();
  connect();
});

/**
 * @param {HTMLElement} button
 * @param {HTMLElement} panel
 */
function togglePanel(button, panel) {
  const open = !panel.classList.contains("open");
  closePanels();
  panel.classList.toggle("open", open);
  button.setAttribute("aria-expanded", String(open));
  if (open) panel.querySelector(/** @type {"button"} */ ("button"))?.focus();
}

function closePanels() {
  for (
    const [button, panel] of [[el.showChannels, el.channelsPanel], [el.showMembers, el.members]]
  ) {
    panel.classList.remove("open");
    button.setAttribute("aria-expanded", "false");
  }
}

el.register.addEventListener("change", () => {
  // Password managers offer to save a new password, and to fill in a known one.
  el.password.autocomplete = el.register.checked ? "new-password" : "current-password";
});

document.addEventListener("visibilitychange", () => {
  if (!document.hidden && state.registered) markSeen(currentBuffer(), true);
});

el.showChannels.addEventListener("click", () => togglePanel(el.showChannels, el.channelsPanel));
el.showMembers.addEventListener("click", () => togglePanel(el.showMembers, el.members));
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && document.querySelector(".panel.open")) {
    closePanels();
    el.input.focus();
  }
});

try {
  el.nick.value = localStorage.getItem("chat.nick") ?? "";
} catch { /* storage may be off */ }
el.nick.focus();
