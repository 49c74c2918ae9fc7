/**
 * The context a command handler runs in: who sent the command, the hub, the server facts, and
 * the ways to answer.
 *
 * @module
 */

import { type Message, msg } from "../protocol/message.ts";
import type { Hub } from "./hub.ts";
import { Outgoing } from "./outgoing.ts";
import type { ServerInfo } from "./server_info.ts";
import type { User } from "./state/user.ts";

/** Everything a handler needs; one per connection, reused for each command. */
export class Context {
  readonly user: User;
  readonly hub: Hub;
  readonly server: ServerInfo;

  constructor(user: User, hub: Hub, server: ServerInfo) {
    this.user = user;
    this.hub = hub;
    this.server = server;
  }

  /** Sends a numeric: `:server NNN nick params…` (`*` before the client has a nick). */
  reply(numeric: string, ...params: string[]): void {
    this.user.send(new Outgoing(msg(numeric, [this.user.nick, ...params], this.server.name)));
  }

  /** Sends a message with the server as source (NOTICE, PONG, CAP…). */
  sendFromServer(command: string, params: string[]): void {
    this.user.send(new Outgoing(msg(command, params, this.server.name)));
  }

  /** Sends any message to this client. */
  send(message: Message, time?: number): void {
    this.user.send(new Outgoing(message, time));
  }

  /** Ends this client's connection with an ERROR line; it quits with `reason`. */
  disconnect(reason: string): void {
    this.user.sink.terminate(reason);
  }
}
