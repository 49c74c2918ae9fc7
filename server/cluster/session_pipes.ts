/**
 * Moved connections over Redis (moved_session.ts). On the node holding a socket, a pipe sends the
 * client's lines to the user's node; on the user's node, a `RemoteConnection` is the session's
 * transport, like a TCP or WebSocket connection, whose lines go back. Both ride the node inboxes
 * through the op queue, so each direction keeps its order; a node's loss ends its pipes.
 *
 * @module
 */

import type { LineHandler } from "../../protocol/lines.ts";
import type { ClientConnection } from "../connection.ts";
import type { MovedSession } from "../moved_session.ts";
import type { PipeSocket, SessionPipe } from "../state/session.ts";
import type { PipeDelivery } from "./events.ts";

/** Publishes on `node`'s inbox through the op queue; `onDrop` if Redis stays away. */
export type PipeSend = (node: string, d: PipeDelivery, onDrop: () => void) => void;

/** Serves a connection that moved here: the server's `serveMoved`. */
export type ServeMoved = (connection: ClientConnection, state: MovedSession) => void;

const decoder = new TextDecoder();

/** Output sent as one payload at most (characters), so a long reply is not one huge message. */
const MAX_PAYLOAD = 64 * 1024;

/** Why a connection ends when the other node is gone. */
const NODE_LOST = "Connection to the server node lost; connect again";
const UNAVAILABLE = "The network is unavailable; connect again";

/** The transport of a session whose client is connected to another node. */
export class RemoteConnection implements ClientConnection {
  readonly hostname: string;
  readonly peer: string;
  readonly secure: boolean;
  readonly canBePlainText = false;
  readonly remote = true;
  /** The node holding the socket. */
  readonly node: string;
  readonly #id: string;
  readonly #pipes: SessionPipes;
  #handler: LineHandler | undefined;
  #ended!: (reason: string) => void;
  readonly #endedWith: Promise<string>;
  /** Output not sent yet: what one turn of the event loop wrote goes as one payload. */
  #pending = "";
  #finished = false;

  constructor(id: string, node: string, state: MovedSession, pipes: SessionPipes) {
    this.#id = id;
    this.node = node;
    this.#pipes = pipes;
    this.hostname = state.hostname;
    this.peer = `${state.hostname} via ${node}`;
    this.secure = state.secure;
    this.#endedWith = new Promise((resolve) => this.#ended = resolve);
  }

  readLines(handler: LineHandler): Promise<string> {
    this.#handler = handler;
    return this.#endedWith;
  }

  /** What came from the socket's node for this session. */
  received(d: PipeDelivery): void {
    if (d.t === "sin") this.#handler?.line(d.l);
    else if (d.t === "slong") this.#handler?.tooLong();
    else if (d.t === "send") this.end(d.r);
  }

  /** The client is gone (its socket, or its node): the session ends with `reason`. */
  end(reason: string): void {
    this.#finished = true;
    this.#pipes.forget(this.#id);
    this.#ended(reason);
  }

  send(bytes: Uint8Array): void {
    if (this.#finished) return;
    if (this.#pending === "") queueMicrotask(() => this.#flush());
    this.#pending += decoder.decode(bytes);
    if (this.#pending.length >= MAX_PAYLOAD) this.#flush(); // a long reply goes in parts
  }

  finish(last: Uint8Array): void {
    if (this.#finished) return;
    this.#flush();
    this.#finished = true;
    const b = decoder.decode(last);
    this.#pipes.send(this.node, { t: "sfin", s: this.#id, b, r: "" });
  }

  drained(): undefined {
    return undefined; // the socket's node keeps the sendq
  }

  resume(first?: Uint8Array): void {
    if (first) this.send(first);
  }

  close(): Promise<void> {
    this.end("Connection closed");
    return Promise.resolve();
  }

  #flush(): void {
    if (this.#pending === "") return;
    const b = this.#pending;
    this.#pending = "";
    this.#pipes.send(this.node, { t: "sout", s: this.#id, b }, () => this.end(UNAVAILABLE));
  }
}

/** The moved connections of one node, both ends. */
export class SessionPipes {
  readonly #node: string;
  readonly #send: PipeSend;
  /** How this node serves what moves here; unset, nothing can (a node that is not serving). */
  serve: ServeMoved | undefined;
  /** Sockets here whose sessions run on another node, by pipe id. */
  readonly #sockets = new Map<string, { node: string; socket: PipeSocket }>();
  /** Sessions here whose sockets are on another node, by pipe id. */
  readonly #sessions = new Map<string, RemoteConnection>();
  #next = 0;

  constructor(node: string, send: PipeSend) {
    this.#node = node;
    this.#send = send;
  }

  /** Moves a connection to `node` with `state`: the returned pipe takes its lines there. */
  open(node: string, state: MovedSession, socket: PipeSocket): SessionPipe {
    const id = `${this.#node}/${++this.#next}`;
    this.#sockets.set(id, { node, socket });
    const lost = () => {
      if (this.#sockets.delete(id)) socket.close(undefined, UNAVAILABLE);
    };
    this.#send(node, { t: "sopen", s: id, n: this.#node, st: state }, lost);
    return {
      line: (l) => this.#send(node, { t: "sin", s: id, l }, lost),
      tooLong: () => this.#send(node, { t: "slong", s: id }, lost),
      end: (r) => {
        if (this.#sockets.delete(id)) this.#send(node, { t: "send", s: id, r }, () => {});
      },
    };
  }

  /** A pipe payload from this node's inbox. */
  deliver(d: PipeDelivery): void {
    switch (d.t) {
      case "sout":
      case "sfin": {
        const end = this.#sockets.get(d.s);
        if (!end) return;
        if (d.t === "sout") return end.socket.write(d.b);
        this.#sockets.delete(d.s);
        return end.socket.close(d.b, d.r);
      }
      case "sopen":
        return this.#opened(d);
      default: {
        const session = this.#sessions.get(d.s);
        if (session) session.received(d);
        // a line for a session that ended here (its end crossed the line): the socket closes
        else if (d.t !== "send") this.#hangUp(d.s, "Your session ended; connect again");
      }
    }
  }

  /** A node left or was lost: the pipes to and from it end. */
  nodeLost(node: string): void {
    for (const [id, end] of [...this.#sockets]) {
      if (end.node !== node) continue;
      this.#sockets.delete(id);
      end.socket.close(undefined, NODE_LOST);
    }
    for (const session of [...this.#sessions.values()]) {
      if (session.node === node) session.end(NODE_LOST);
    }
  }

  /** Sends from a session here to its socket's node. */
  send(node: string, d: PipeDelivery, onDrop?: () => void): void {
    this.#send(node, d, onDrop ?? (() => {}));
  }

  /** The session of pipe `id` ended here. */
  forget(id: string): void {
    this.#sessions.delete(id);
  }

  #opened(d: PipeDelivery & { t: "sopen" }): void {
    if (!this.#sessions.has(d.s) && d.s.slice(0, d.s.indexOf("/")) === d.n) {
      const connection = new RemoteConnection(d.s, d.n, d.st, this);
      this.#sessions.set(d.s, connection);
      if (this.serve) return this.serve(connection, d.st);
      this.#sessions.delete(d.s);
    }
    this.#hangUp(d.s, "This server node cannot take the connection; connect again");
  }

  /** Tells the socket's node of pipe `id` that its session is over. */
  #hangUp(id: string, reason: string): void {
    const node = id.slice(0, id.indexOf("/"));
    if (node) this.#send(node, { t: "sfin", s: id, r: reason }, () => {});
  }
}
