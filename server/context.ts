/**
 * The context a command handler runs in: who sent the command and over which of its sessions,
 * the hub, the server facts, and the ways to answer (replies go to that session only).
 *
 * @module
 */

import { type Message, msg } from "../protocol/message.ts";
import type { Hub } from "./hub.ts";
import { Outgoing } from "./outgoing.ts";
import type { ServerInfo } from "./server_info.ts";
import type { Session } from "./state/session.ts";
import type { User } from "./state/user.ts";
import type { Stores } from "./store/stores.ts";

/** Everything a handler needs; one per connection, reused for each command. */
export class Context {
  /** Changes only when the session attaches to its account's user (attach.ts `moveTo`). */
  user: User;
  /** The connection the command came from: its caps, registration and SASL exchange. */
  readonly session: Session;
  readonly hub: Hub;
  readonly server: ServerInfo;
  /** History, accounts and registered channels. */
  readonly stores: Stores;

  constructor(user: User, session: Session, hub: Hub, server: ServerInfo, stores: Stores) {
    this.user = user;
    this.session = session;
    this.hub = hub;
    this.server = server;
    this.stores = stores;
  }

  /** The same user's context over another of its sessions (a JOIN's replies go to each). */
  forSession(session: Session): Context {
    return new Context(this.user, session, this.hub, this.server, this.stores);
  }

  /** Sends a numeric: `:server NNN nick params…` (`*` before the client has a nick). */
  reply(numeric: string, ...params: string[]): void {
    this.answer(this.numeric(numeric, ...params));
  }

  /** The numeric `reply` sends, for a reply sent in parts (long_reply.ts). */
  numeric(numeric: string, ...params: string[]): Outgoing {
    return new Outgoing(msg(numeric, [this.user.nick, ...params], this.server.name));
  }

  /** Sends a message with the server as source (NOTICE, PONG, CAP…). */
  sendFromServer(command: string, params: string[]): void {
    this.answer(new Outgoing(msg(command, params, this.server.name)));
  }

  /** Sends any message to this client. */
  send(message: Message, time?: number): void {
    this.answer(new Outgoing(message, { time }));
  }

  /** Sends a message to the session the command came from. */
  answer(out: Outgoing): void {
    this.user.sendTo(this.session, out);
  }

  /** Queues lines already in this session's form; false when it needs messages (see `Sink`). */
  answerBytes(bytes: Uint8Array): boolean {
    return this.user.sendBytesTo(this.session, bytes);
  }

  /** Whether the session the command came from negotiated `cap`. */
  has(cap: string): boolean {
    return this.session.caps.has(cap);
  }

  /** Sends an IRCv3 standard reply: `FAIL <command> <code> [context…] :<description>`. */
  fail(command: string, code: string, ...rest: string[]): void {
    this.sendFromServer("FAIL", [command, code, ...rest]);
  }

  /** Sends a server NOTICE to this client. */
  notice(text: string): void {
    this.sendFromServer("NOTICE", [this.user.nick, text]);
  }

  /** Ends this client's connection with an ERROR line; it quits with `reason`. */
  disconnect(reason: string): void {
    this.session.sink.terminate(reason);
  }
}
