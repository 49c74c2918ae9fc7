/**
 * The page's elements, looked up once by id: index.html holds them all, so every module shares
 * one table instead of querying the document again.
 *
 * @module
 */

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** The elements of index.html the page script reads or changes. */
export const el = {
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
