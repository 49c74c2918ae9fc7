/**
 * A connection whose account's user lives on another cluster node moves there: the node holding
 * the socket becomes a pipe (lines in, lines out), the user's node runs the session like any
 * other. This module holds what moves (the two ends' interfaces are in state/session.ts);
 * cluster/session_pipes.ts carries it over Redis, session_driver.ts plugs it into a connection.
 *
 * @module
 */

import type { Limits } from "./config.ts";
import { METADATA_LIMITS } from "./metadata.ts";
import type { PipeSocket, Session, SessionPipe } from "./state/session.ts";
import type { User } from "./state/user.ts";

/** What a connection takes with it when it moves to its account's user's node. */
export interface MovedSession {
  /**
   * Where it was: `welcome` (registering: it still gets the welcome burst) or `attach` (logged in
   * after registration: its client was told it left its own channels and nick already).
   */
  phase: "welcome" | "attach";
  caps: string[];
  capVersion: number;
  secure: boolean;
  /** Its TLS client certificate's fingerprint (WHOIS 276 on the user's node). */
  certFp?: string;
  plainText: boolean;
  /** The client's address. */
  hostname: string;
  username: string;
  realname: string;
  account: string;
  /** Its account is always-on (should it become a user of its own here). */
  alwaysOn: boolean;
  /** The nick it asked for: its own, should it not attach after all (welcome phase). */
  nick?: string;
  /** It said `AWAY *` (draft/pre-away). */
  absent?: boolean;
  /** Its away message from before registration, for the welcome (draft/pre-away). */
  preAway?: string;
  /** Its MONITOR list (the client will not send it again). */
  monitor?: string[];
  /** The metadata keys it subscribed to (METADATA SUB; nor will it send those again). */
  metadataSubs?: string[];
}

/** The state of a connection as it moves (before its own `user` leaves the network). */
export function describeSession(
  user: User,
  session: Session,
  phase: MovedSession["phase"],
  monitor: string[] = [],
): MovedSession {
  const asked = session.registration?.nick ?? (user.nick === "*" ? undefined : user.nick);
  return {
    phase,
    caps: [...session.caps],
    capVersion: session.capVersion,
    secure: session.secure,
    ...(session.certFp === undefined ? {} : { certFp: session.certFp }),
    plainText: session.plainText,
    hostname: user.hostname,
    username: user.username,
    realname: user.realname,
    account: user.account ?? "",
    alwaysOn: user.alwaysOn,
    ...(asked === undefined ? {} : { nick: asked }),
    ...(session.absent ? { absent: true } : {}),
    ...(session.preAway === undefined ? {} : { preAway: session.preAway }),
    ...(monitor.length === 0 ? {} : { monitor }),
    ...(session.metadataSubs?.size ? { metadataSubs: [...session.metadataSubs] } : {}),
  };
}

/**
 * Gives a new session and its placeholder user on the user's node what the connection had: its
 * capabilities, its names and account, and where registration stands.
 */
export function restoreSession(session: Session, user: User, state: MovedSession): void {
  for (const cap of state.caps) session.setCap(cap, true);
  session.capVersion = state.capVersion;
  session.certFp = state.certFp;
  session.plainText = state.plainText;
  session.absent = state.absent === true;
  session.preAway = state.preAway;
  const subs = state.metadataSubs?.slice(0, METADATA_LIMITS.maxSubs);
  if (subs?.length) session.metadataSubs = new Set(subs);
  user.username = state.username;
  user.realname = state.realname;
  user.account = state.account;
  user.alwaysOn = state.alwaysOn;
  session.registration = state.phase === "welcome"
    ? { gotUser: true, capHold: false, pass: undefined, nick: state.nick }
    : undefined;
}

const encoder = new TextEncoder();

/**
 * The socket's side of a connection whose session moved to another node: what that node sends
 * is written to the socket, and its silence is noticed (it PINGs an idle IRC client, so nothing
 * heard past the ping bounds means it is gone).
 */
export class MovedAway {
  readonly #pipe: SessionPipe;
  #heardAt = Date.now();

  private constructor(pipe: SessionPipe) {
    this.#pipe = pipe;
  }

  /**
   * Opens the pipe (`open`, hub.ts `moveSession`): lines back go to `connection`, its end to
   * `ended` with the session node's last line, if any. Undefined when no pipe could be opened.
   */
  static open(
    open: (socket: PipeSocket) => SessionPipe | undefined,
    connection: { send(bytes: Uint8Array): void },
    ended: (last: string | undefined, reason: string) => void,
  ): MovedAway | undefined {
    let away: MovedAway | undefined;
    const pipe = open({
      write: (lines) => {
        if (away) away.#heardAt = Date.now();
        connection.send(encoder.encode(lines));
      },
      close: ended,
    });
    return pipe && (away = new MovedAway(pipe));
  }

  /** One line from the client, for the session's node. */
  line(line: string): void {
    this.#pipe.line(line);
  }

  /** The client sent a line over the length limit. */
  tooLong(): void {
    this.#pipe.tooLong();
  }

  /** The socket closed: the session ends there. */
  end(reason: string): void {
    this.#pipe.end(reason);
  }

  /** Nothing came from the session's node, nor from the client, for longer than a ping round. */
  silent(now: number, clientHeardAt: number, limits: Limits): boolean {
    const since = now - Math.max(this.#heardAt, clientHeardAt);
    return since > limits.pingIntervalMs + limits.pingTimeoutMs;
  }
}
