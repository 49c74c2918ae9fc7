/**
 * The login form: a nickname, optionally an account's password (log in, or create the account),
 * and channels to join. Submitting it opens the chat and connects.
 *
 * @module
 */

import { serverBuffer } from "./buffers.js";
import { connect } from "./connection.js";
import { el } from "./dom.js";
import { SERVER_KEY, state } from "./session.js";
import { renderAll } from "./view.js";

/** Listens to the login form. */
export function listenToLogin() {
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

  el.register.addEventListener("change", () => {
    // Password managers offer to save a new password, and to fill in a known one.
    el.password.autocomplete = el.register.checked ? "new-password" : "current-password";
  });
}
