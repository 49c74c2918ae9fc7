/**
 * The hub: the one place where effects that cross users happen.
 *
 * Nick ownership, channel membership, channel state others see, and delivery to a channel or a
 * nick all go through this interface. Handlers decide *whether* something is allowed (and answer
 * the requester); the hub makes it so and tells everyone concerned. `LocalHub` does that inside
 * one process; a backplane (Redis) can implement the same interface to span several nodes without
 * touching the handlers, which is why the operations that need a round trip are async.
 *
 * @module
 */

import { msg } from "../protocol/message.ts";
import { N } from "../protocol/numerics.ts";
import type { ModeChange } from "./channel_modes.ts";
import type { MetadataTarget } from "./metadata.ts";
import type { Monitors } from "./network/monitors.ts";
import type { ClientConnection } from "./connection.ts";
import type { MovedSession } from "./moved_session.ts";
import { Outgoing } from "./outgoing.ts";
import type { Channel } from "./state/channel.ts";
import type { CapFilter, PipeSocket, Session, SessionPipe } from "./state/session.ts";
import type { StoredMessage } from "./store/history.ts";
import type { User } from "./state/user.ts";
import { COUNTERS } from "./metrics/counters.ts";

/** A nick's past identity, for WHOWAS. */
export interface WhowasEntry {
  nick: string;
  username: string;
  hostname: string;
  realname: string;
  at: number;
}

/** Counts for LUSERS. */
export interface NetworkStats {
  users: number;
  /** Most users seen at once since start. */
  maxUsers: number;
  invisible: number;
  opers: number;
  channels: number;
  /** Servers (cluster nodes) in the network; 1 when absent. */
  servers?: number;
  /** Users of this server when the network has others; `users` when absent. */
  localUsers?: number;
  /** Most users of this server seen at once, with `localUsers`; `maxUsers` when absent. */
  maxLocalUsers?: number;
}

/**
 * Delivery options: skip one user, only reach sessions with (or without) a capability, or only
 * channel members with some status.
 */
export interface DeliveryFilter extends CapFilter {
  except?: User;
  /** Only channel members with one of these status bits (STATUSMSG `@#chan`). */
  status?: number;
}

/**
 * Delivers `out` to the sessions of `user` that `filter` lets through (status bits aside: they
 * need the channel). One definition for the network model (network/network.ts) and a cluster
 * node's message path, so both deliver to the same sessions.
 */
export function deliver(user: User, out: Outgoing, filter: DeliveryFilter | undefined): void {
  if (filter?.except === user) return;
  COUNTERS.deliveries++;
  user.send(out, filter);
}

/**
 * KILL and GHOST: closes the user's connections; an always-on user then stays, with none, until
 * it is disconnected again, which ends it (its record with it).
 */
export function disconnectUser(hub: Hub, user: User, reason: string): void {
  if (user.sessions.length > 0) user.disconnect(reason);
  else hub.quit(user, reason);
}

/** The 901 a user gets when the account they are logged in to is dropped. */
export function droppedAccountLogout(user: User, account: string, serverName: string): Outgoing {
  const text = `You are now logged out: account ${account} was dropped`;
  return new Outgoing(msg(N.RPL_LOGGEDOUT, [user.nick, user.source, text], serverName));
}

/** What a RENAME came to: done, or a `FAIL RENAME` code and its text. */
export type RenameOutcome =
  | { ok: true }
  | { ok: false; code: "CHANNEL_NAME_IN_USE" | "CANNOT_RENAME"; text: string };

/** A message filed in a conversation's history, with the label its owner sees it under. */
export interface HistoryCopy {
  conversation: string;
  message: StoredMessage;
  /** For a private conversation: the other party's name (TARGETS); absent for a channel. */
  label?: string;
}

/**
 * A user's PRIVMSG, NOTICE or TAGMSG on its way: stored, fanned out and echoed by the hub as one
 * operation, so that each hub keeps its own guarantees (the single process stores before it
 * echoes; a cluster stores with the publication and echoes once Redis has both).
 */
export interface Relay {
  from: User;
  /** The session it came from, which gets the echo. */
  session: Session;
  out: Outgoing;
  /** A channel (with the status bits a `@#chan` message addresses), or one user. */
  to: { channel: Channel; status?: number } | { user: User };
  /** Only sessions with this capability receive it (TAGMSG: `message-tags`). */
  cap?: string;
  /** Only sessions without this capability receive it (a REDACT's fallback NOTICE). */
  withoutCap?: string;
  /** Where it is filed: none for TAGMSG and status messages, one or two for private ones. */
  history: HistoryCopy[];
  /** The sending session asked for its own messages back (`echo-message`). */
  echo: boolean;
}

/**
 * The sender's sessions that see its own message: the sending one when it asked
 * (`echo-message`), and each of its others (its other devices) always, so that every session
 * shows the whole conversation. A message to oneself reaches them all as a delivery already.
 */
export function echoSessions(r: Relay): readonly Session[] {
  const filter = relayFilter(r);
  const sessions = r.from.sessions;
  // the usual case, once per message sent: one session, nothing allocated
  if (sessions.length === 1 && sessions[0] === r.session) {
    return r.echo && r.session.accepts(filter) ? sessions : NO_SESSIONS;
  }
  const toSelf = "user" in r.to && r.to.user === r.from;
  return sessions.filter((s) =>
    s === r.session ? r.echo && s.accepts(filter) : !toSelf && s.accepts(filter)
  );
}

const NO_SESSIONS: readonly Session[] = [];

/** The capability filter a relay's recipients pass: one definition for both hubs. */
export function relayFilter(r: Relay): CapFilter | undefined {
  if (r.cap === undefined && r.withoutCap === undefined) return undefined;
  return { cap: r.cap, withoutCap: r.withoutCap };
}

/** Network-wide state and delivery, as seen by command handlers. */
export interface Hub {
  /** A registered or registering user by nick (case-insensitive). */
  findUser(nick: string): User | undefined;
  findChannel(name: string): Channel | undefined;
  /** Registered users. */
  users(): Iterable<User>;
  /**
   * The user of this server logged in to `account`, which another connection logging in to it
   * attaches to (one nick on every device), other than `besides` (that connection's own user);
   * undefined when there is none.
   */
  accountUser(account: string, besides?: User): User | undefined;
  channels(): Iterable<Channel>;
  stats(): NetworkStats;
  /** Past users of a nick, newest first. */
  whowas(nick: string): readonly WhowasEntry[];
  /** The MONITOR lists of this server's sessions, which the network's changes are told to. */
  readonly monitors: Monitors;

  /** Takes `nick` for a user still registering (atomically); false if someone holds it. */
  claimNick(user: User, nick: string): Promise<boolean>;
  /** Counts a user as registered once the welcome burst is sent. */
  register(user: User): void;
  /** Renames a registered user and tells them and everyone sharing a channel; false if taken. */
  changeNick(user: User, nick: string): Promise<boolean>;
  /** Removes a user from the network, telling everyone sharing a channel once. Idempotent. */
  quit(user: User, reason: string): void;

  /** Adds a user to a channel, creating it with the user as op; members see the JOIN. */
  join(user: User, name: string): Promise<Channel>;
  part(user: User, channel: Channel, reason: string | undefined): void;
  kick(by: User, channel: Channel, target: User, reason: string): void;
  setTopic(by: User, channel: Channel, text: string): void;
  /**
   * Applies mode changes already checked by the handler and broadcasts those that took effect;
   * resolves once the channel handlers read has them, so the user's next MODE is checked against
   * them (the ban-list limit).
   */
  changeModes(by: User, channel: Channel, changes: ModeChange[]): Promise<void>;
  /**
   * Sends an INVITE to `target` (invite-notify members see it). When it `admits` (an op's invite)
   * the target may then join past +i, +l and +b; otherwise it only tells them.
   */
  invite(by: User, channel: Channel, target: User, admits: boolean): void;
  /** Sets or clears away; `away-notify` neighbours are told. */
  setAway(user: User, message: string | undefined): void;
  /** Changes the realname; `setname` neighbours are told. */
  setRealname(user: User, realname: string): void;
  /**
   * Sets a user's or channel's draft/metadata-2 key (removes it when `value` is undefined), as
   * the handler allowed; resolves once this server has it, the subscribers who see the target
   * told: false when it was not made, the target having max-keys already (a cluster's race).
   */
  setMetadata(
    by: User,
    target: MetadataTarget,
    key: string,
    value: string | undefined,
  ): Promise<boolean>;
  /**
   * Sets and clears user modes (+B +i +w +o); returns the change that took effect, like `+iw-o`,
   * or "" (the handler tells the user). Others see user modes in WHO, WHOIS and LUSERS.
   */
  setUserModes(user: User, add: string, remove: string): string;
  /** Logs a user in or out of an account; `account-notify` neighbours are told. */
  setAccount(user: User, account: string | undefined): void;
  /**
   * An always-on user's last session ended (`present` false: it stays, away "Disconnected") or
   * a session attached to it again (true: that away is cleared); `away-notify` neighbours are
   * told, and the change is saved for a restart.
   */
  setPresent(user: User, present: boolean): void;
  /**
   * Saves an always-on user for a restart as it is now, or forgets it once it is not always-on;
   * absent where always-on users do not outlive the process yet (a cluster node).
   */
  keepAlwaysOn?(user: User): void;
  /**
   * Makes `user` (an `accountUser`) one of this server's: a cluster node adopts an always-on user
   * with no session from another node. False when it cannot (a session came back there first).
   */
  bringHere?(user: User): Promise<boolean>;
  /**
   * Moves a connection to the node its account's user `owner` is on, where that user has
   * sessions (a cluster): `socket` is how that node's lines reach the client, the pipe returned
   * takes the client's lines there. Undefined when it cannot.
   */
  moveSession?(owner: User, state: MovedSession, socket: PipeSocket): SessionPipe | undefined;
  /** Tells the hub how this server serves connections that move here from other nodes. */
  servesMoved?(serve: (connection: ClientConnection, state: MovedSession) => void): void;
  /** The server is stopping: what must outlive it is saved (always-on users, as of now). */
  stopping?(): void;
  /**
   * Renames a channel an op asked to rename (RENAME), unless the new name is taken or the rules
   * refuse it (network/rules.ts): its members are told, its registration and history follow.
   */
  rename(by: User, channel: Channel, name: string, reason: string): Promise<RenameOutcome>;
  /** Registers a channel to a founder account (persisted), or drops the registration. */
  setFounder(channel: Channel, founder: string | undefined): void;
  /**
   * An account was dropped (its store took its channel registrations along): the channels it
   * founded lose their founder here too, and its users still logged in are logged out (901), so
   * that nobody keeps its privileges and whoever registers the name next inherits nothing.
   * Idempotent; in a cluster every node does this when the drop's event arrives.
   */
  accountDropped(account: string): void;

  /**
   * Relays a user's message: files its history copies, delivers it to the channel's members or
   * the user (never back to the sender but as an echo), and echoes it to the sending session
   * when asked, after it is stored. While the store cannot keep it, the sender is told (once per
   * outage) before the echo.
   */
  relay(r: Relay): void;
  /** Delivers once to every user sharing at least one channel with `user`. */
  toNeighbours(user: User, out: Outgoing, filter?: DeliveryFilter): void;
  /** Sends a WALLOPS from an operator to every user with `+w`. */
  wallops(by: User, text: string): void;
}
