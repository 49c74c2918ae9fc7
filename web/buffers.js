/**
 * The conversations by key: found, or made on first mention. Making one has effects elsewhere
 * (the list redraws, a private one asks for its read marker); those are handed in by app.js, so
 * this store depends on no view.
 *
 * @module
 */

import { keyOf, SERVER_KEY, state } from "./session.js";

/** @typedef {import("./session.js").Buffer} Buffer */

/** @type {(b: Buffer) => void} */
let created = () => {};

/**
 * Sets what happens once each new conversation is stored.
 * @param {(b: Buffer) => void} fn
 */
export function onCreated(fn) {
  created = fn;
}

/**
 * The conversation with this name, made when there is none yet.
 * @param {string} name
 * @param {Buffer["kind"]} kind
 * @returns {Buffer}
 */
export function buffer(name, kind) {
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
    created(b);
  }
  return b;
}

/** The server's own conversation: notices, numerics, errors. */
export function serverBuffer() {
  return buffer(state.serverName, "server");
}

/** The conversation on screen. */
export function currentBuffer() {
  return state.buffers.get(state.current) ?? serverBuffer();
}
