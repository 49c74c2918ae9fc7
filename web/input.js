/**
 * What the user types: the message box (messages and /commands, Tab completion, recall, Alt+Up
 * and Alt+Down) and the join form.
 *
 * @module
 */

import { buffer, currentBuffer } from "./buffers.js";
import { onMessage } from "./chat_events.js";
import { info, show } from "./conversations.js";
import { el } from "./dom.js";
import { COMMANDS, completeNick, isChannel, parseInput, parseLine } from "./irc.js";
import { isMe, keyOf, sendLine, state } from "./session.js";
import { closePanels } from "./view.js";

/**
 * One submitted line: a message to the conversation on screen, or a command.
 * @param {string} text
 */
export function submit(text) {
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

/** Listens to the message box and the join form. */
export function listenToInput() {
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
}
