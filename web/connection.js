/**
 * The WebSocket to the server the page came from (IRCv3 `text.ircv3.net`): opened after login,
 * reopened with a growing delay after a drop until the user quits.
 *
 * @module
 */

import { addLine } from "./conversations.js";
import { handle } from "./incoming.js";
import { formatLine, parseLine, reconnectDelay } from "./irc.js";
import { sendLine, state } from "./session.js";
import { renderMembers, setStatus, showLogin } from "./view.js";

/** The WebSocket next to the page (relative, so a reverse proxy may serve chat under a path). */
function socketUrl() {
  const url = new URL(".", location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}

/** Connects afresh (the conversations stay), registering as the wanted nick. */
export function connect() {
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
