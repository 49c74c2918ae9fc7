/**
 * Connection registration as a pure state machine: PASS, `CAP LS 302`, NICK, USER; capability
 * negotiation (asking only for what the server offers, ending with CAP END); nick collisions
 * (`nick_`, `nick__`, …) and fatal refusals. Servers without CAP answer 421 or nothing and
 * register us anyway, so the same opening works everywhere.
 *
 * @module
 */

import { type Message, msg } from "../protocol/message.ts";
import { N } from "../protocol/numerics.ts";
import { firstField } from "../util/text.ts";

/** Who we say we are. */
export interface Identity {
  nick: string;
  /** The USER name (ident). */
  username: string;
  realname: string;
  /** Server password (PASS), if any. */
  password?: string;
  /** Account to log in to with SASL PLAIN before registration completes. */
  sasl?: { account: string; password: string };
}

/** Capabilities the client uses when the server offers them. */
export const WANTED_CAPS: readonly string[] = [
  "server-time",
  "echo-message",
  "multi-prefix",
  // history replays come in a batch (told apart from live lines), with msgids to match them
  "batch",
  "message-tags",
  "draft/read-marker",
  // a pasted block goes out as one message, and one received is shown whole
  "draft/multiline",
];

/** The result of feeding one message to the registration. */
export type RegistrationStep =
  /** Not a registration message: handle it normally. */
  | { kind: "ignored" }
  /** Consumed; send these, and tell the user `notice` if given. */
  | { kind: "progress"; send: Message[]; notice?: string }
  /**
   * Registered (001) as `nick` with these capabilities, logged in to `account` if SASL (or the
   * server) said so; the 001 is also shown.
   */
  | {
    kind: "registered";
    nick: string;
    caps: Set<string>;
    /** The values the server gave its capabilities in CAP LS (`draft/multiline`'s limits). */
    capValues: Map<string, string>;
    account?: string;
  }
  /** The server refused us for good (wrong password, banned, no usable nick). */
  | { kind: "failed"; reason: string };

/**
 * Alternatives to a taken nick, tried in order: `nick_`, `nick__`, then 9-character forms
 * (RFC 1459's NICKLEN) in case the server rejected the longer ones.
 */
export function alternativeNicks(nick: string): string[] {
  const short = nick.slice(0, 7);
  return [
    `${nick}_`,
    `${nick}__`,
    `${nick.slice(0, 8)}_`,
    ...Array.from({ length: 9 }, (_, i) => `${short}_${i + 1}`),
  ].filter((n, i, all) => n !== nick && all.indexOf(n) === i);
}

// Numerics that end a registration attempt for good.
const FATAL = new Set<string>([N.ERR_PASSWDMISMATCH, "465" /* ERR_YOUREBANNEDCREEP */]);
const NICK_TAKEN = new Set<string>([N.ERR_NICKNAMEINUSE, "436", "437"]);

/** One registration attempt (one per connection). */
export class Registration {
  readonly #identity: Identity;
  readonly #wanted: readonly string[];
  #nick: string;
  readonly #alternatives: string[];
  #offered = new Set<string>();
  readonly #values = new Map<string, string>();
  readonly #acked = new Set<string>();
  #capDone = false;
  #saslDone = false;
  #account: string | undefined;

  constructor(identity: Identity, wanted: readonly string[] = WANTED_CAPS) {
    this.#identity = identity;
    this.#wanted = wanted;
    this.#nick = identity.nick;
    this.#alternatives = alternativeNicks(identity.nick);
  }

  /** The nick most recently proposed. */
  get nick(): string {
    return this.#nick;
  }

  /** The opening lines, sent at once (CAP LS first so CAP servers hold registration). */
  start(): Message[] {
    const out: Message[] = [];
    if (this.#identity.password !== undefined) out.push(msg("PASS", [this.#identity.password]));
    out.push(
      msg("CAP", ["LS", "302"]),
      msg("NICK", [this.#identity.nick]),
      msg("USER", [this.#identity.username, "0", "*", this.#identity.realname]),
    );
    return out;
  }

  #endCap(): Message[] {
    if (this.#capDone) return [];
    this.#capDone = true;
    return [msg("CAP", ["END"])];
  }

  /** Feeds one message received before registration completed. */
  handle(m: Message): RegistrationStep {
    const p = m.params;
    switch (m.command) {
      case "CAP":
        return this.#cap(p);
      case N.ERR_INVALIDCAPCMD:
        return { kind: "progress", send: this.#endCap() };
      case N.ERR_UNKNOWNCOMMAND:
        // A server that predates CAP: it registers us without it.
        if ((p[1] ?? "").toUpperCase() === "CAP") {
          this.#capDone = true;
          return { kind: "progress", send: [] };
        }
        return { kind: "ignored" };
      case N.RPL_WELCOME:
        return {
          kind: "registered",
          nick: p[0] ?? this.#nick,
          caps: new Set(this.#acked),
          capValues: new Map(this.#values),
          ...(this.#account === undefined ? {} : { account: this.#account }),
        };
      case N.ERR_ERRONEUSNICKNAME:
        if (this.#nick === this.#identity.nick) {
          return {
            kind: "failed",
            reason: `The server rejected the nickname ${this.#nick}: ${p.at(-1) ?? ""}`,
          };
        }
        return this.#nextNick(p.at(-1) ?? "Erroneous nickname");
      case N.ERR_NOTREGISTERED:
        return { kind: "progress", send: [] };
      case "AUTHENTICATE":
        return p[0] === "+" ? { kind: "progress", send: this.#saslPayload() } : { kind: "ignored" };
      case N.RPL_LOGGEDIN:
        // 900 nick nick!user@host account :You are now logged in as account
        if (p.length >= 4) this.#account = p[2];
        return { kind: "progress", send: [], notice: p.at(-1) };
      case N.RPL_SASLSUCCESS:
      case N.ERR_SASLALREADY:
        this.#saslDone = true;
        return { kind: "progress", send: this.#endCap() };
      case N.ERR_SASLFAIL:
      case N.ERR_SASLTOOLONG:
      case N.ERR_NICKLOCKED:
        if (!this.#identity.sasl) return { kind: "ignored" };
        return { kind: "failed", reason: `SASL login failed: ${p.at(-1) ?? ""}` };
    }
    if (NICK_TAKEN.has(m.command)) return this.#nextNick("is already in use");
    if (FATAL.has(m.command)) {
      return { kind: "failed", reason: `The server refused the connection: ${p.at(-1) ?? ""}` };
    }
    return { kind: "ignored" };
  }

  #nextNick(why: string): RegistrationStep {
    const tried = this.#nick;
    const next = this.#alternatives.shift();
    if (next === undefined) {
      return { kind: "failed", reason: `No free nickname found (last tried ${tried})` };
    }
    this.#nick = next;
    return {
      kind: "progress",
      send: [msg("NICK", [next])],
      notice: `Nickname ${tried} ${
        why === "is already in use" ? why : `refused (${why})`
      }; using ${next}`,
    };
  }

  /** `authzid\0authcid\0password` in base64, in 400-byte AUTHENTICATE chunks. */
  #saslPayload(): Message[] {
    const sasl = this.#identity.sasl;
    if (!sasl) return [msg("AUTHENTICATE", ["*"])];
    const bytes = new TextEncoder().encode(`${sasl.account}\0${sasl.account}\0${sasl.password}`);
    const b64 = btoa(String.fromCharCode(...bytes));
    const out: Message[] = [];
    for (let i = 0; i < b64.length; i += 400) {
      out.push(msg("AUTHENTICATE", [b64.slice(i, i + 400)]));
    }
    if (b64.length % 400 === 0) out.push(msg("AUTHENTICATE", ["+"]));
    return out;
  }

  #cap(p: string[]): RegistrationStep {
    // CAP <nick> <sub> [*] :<list>
    const sub = (p[1] ?? "").toUpperCase();
    const more = p[2] === "*";
    const list = (p.at(-1) ?? "").split(" ").filter((s) => s !== "");
    switch (sub) {
      case "LS": {
        for (const item of list) {
          const name = firstField(item, "=");
          this.#offered.add(name);
          if (item.length > name.length) this.#values.set(name, item.slice(name.length + 1));
        }
        if (more) return { kind: "progress", send: [] };
        const saslWanted = this.#identity.sasl !== undefined;
        if (saslWanted && !this.#offered.has("sasl")) {
          return { kind: "failed", reason: "The server does not offer SASL; cannot log in" };
        }
        const want = [...this.#wanted, ...(saslWanted ? ["sasl"] : [])]
          .filter((c) => this.#offered.has(c));
        if (want.length === 0) return { kind: "progress", send: this.#endCap() };
        return { kind: "progress", send: [msg("CAP", ["REQ", want.join(" ")])] };
      }
      case "ACK":
        for (const item of list) if (!item.startsWith("-")) this.#acked.add(item);
        if (more) return { kind: "progress", send: [] };
        if (this.#acked.has("sasl") && this.#identity.sasl && !this.#saslDone) {
          return { kind: "progress", send: [msg("AUTHENTICATE", ["PLAIN"])] };
        }
        return { kind: "progress", send: this.#endCap() };
      case "NAK":
        if (this.#identity.sasl) {
          return { kind: "failed", reason: "The server refused the sasl capability" };
        }
        return { kind: "progress", send: this.#endCap() };
    }
    return { kind: "progress", send: [] };
  }
}
