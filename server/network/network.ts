/**
 * The network as one process knows it: registered users by nick, channels and their members,
 * WHOWAS and the LUSERS counts, changed only by `apply`. The single-process hub applies the
 * events it decides; every cluster node applies the events Redis decided, in Redis's order.
 * Applying an event also tells this process's users what they would see on one server (the
 * JOIN, PART, MODE … lines), so the channel rules and the lines they produce live here once.
 *
 * Pure: no sockets, no stores. What reaches a user goes through its sessions' sinks; what must
 * outlive the process (a registered channel's settings, history ending with a channel) is the
 * owner's to do, told through `NetworkOptions`.
 *
 * @module
 */

import { foldCase } from "../../protocol/casemap.ts";
import { msg } from "../../protocol/message.ts";
import { applyModeChange, formatModeChanges, type ModeChange } from "../channel_modes.ts";
import { COUNTERS } from "../metrics/counters.ts";
import { deliver, type DeliveryFilter, type NetworkStats, type WhowasEntry } from "../hub.ts";
import { announceJoin, type Audience, flushChannel, joinLines } from "../join_batch.ts";
import { Outgoing } from "../outgoing.ts";
import { Channel, type FanOut, joinsHeld, type Members } from "../state/channel.ts";
import type { User } from "../state/user.ts";
import type { ChannelSettings, ModeEffect, NetworkEvent } from "./events.ts";
import { Monitors } from "./monitors.ts";
import { Whowas } from "./whowas.ts";
import { setSettings } from "./settings.ts";
import { applyRename } from "./rename.ts";
import { applyMetadata, joinerMetadata } from "./metadata.ts";

/** The users whose sessions this process holds, when it does not hold them all (a cluster). */
export interface UsersHere {
  has(user: User): boolean;
  values(): Iterable<User>;
  readonly size: number;
}

/** What the owner of a network is told, and how it tells who is here. */
export interface NetworkOptions {
  /** The users of this process; absent, every user is (the single process). */
  here?: UsersHere;
  /** A registered channel's topic or modes changed: its registration is saved again. */
  registrationChanged?(channel: Channel): void;
  /** A channel lost its last member and is gone. */
  channelEnded?(channel: Channel): void;
  /** The MONITOR lists of this process's sessions (the hub's); absent, the network's own. */
  monitors?: Monitors;
  now?: () => number;
}

/** One copy of the network's state, and the one way to change it. */
export class Network {
  /** Introduced users by folded nick. */
  readonly #nicks = new Map<string, User>();
  readonly #channels = new Map<string, Channel>();
  readonly #whowas = new Whowas();
  readonly #here: UsersHere | undefined;
  /** With `here`: each channel's members here (delivery's hot path), by folded name. */
  readonly #membersHere = new Map<string, Set<User>>();
  readonly #options: NetworkOptions;
  readonly #now: () => number;
  /** Told of each nick taken and left, and of each user's away, account and realname. */
  readonly monitors: Monitors;
  #users = 0;
  #maxUsers = 0;
  /** Introduced users with +i, and with +o. */
  #invisible = 0;
  #opers = 0;

  constructor(options: NetworkOptions = {}) {
    this.#options = options;
    this.#here = options.here;
    this.#now = options.now ?? Date.now;
    this.monitors = options.monitors ?? new Monitors();
  }

  // --- reads -----------------------------------------------------------------------------

  /** An introduced user by folded nick. */
  userByNick(folded: string): User | undefined {
    return this.#nicks.get(folded);
  }

  /** Introduced users (one per nick). */
  users(): Iterable<User> {
    return this.#nicks.values();
  }

  /**
   * A user of this process logged in to `account` (any case) other than `besides`, if any; a scan,
   * as logins are rare.
   */
  accountUser(account: string, besides?: User): User | undefined {
    const folded = foldCase(account);
    for (const user of this.#nicks.values()) {
      if (user === besides || user.account === undefined || !this.isHere(user)) continue;
      if (foldCase(user.account) === folded) return user;
    }
    return undefined;
  }

  channel(folded: string): Channel | undefined {
    return this.#channels.get(folded);
  }

  channels(): Iterable<Channel> {
    return this.#channels.values();
  }

  /**
   * A user became one of this process's, or stopped being one (a cluster node adopted it, or
   * another did): the members here of its channels follow.
   */
  rehome(user: User): void {
    if (!this.#here) return;
    const here = this.isHere(user);
    for (const folded of user.channels.keys()) {
      let members = this.#membersHere.get(folded);
      if (here) {
        if (!members) this.#membersHere.set(folded, members = new Set());
        members.add(user);
      } else if (members?.delete(user) && members.size === 0) {
        this.#membersHere.delete(folded);
      }
    }
  }

  /** True when `user` has sessions in this process. */
  isHere(user: User): boolean {
    return this.#here === undefined || this.#here.has(user);
  }

  /** A channel's members in this process, in join order; undefined when none. */
  membersHere(folded: string): Audience | undefined {
    if (this.#here) return this.#membersHere.get(folded);
    const members = this.#channels.get(folded)?.members;
    return members && members.size > 0 ? members : undefined;
  }

  /** O(1): LUSERS runs at every registration. */
  stats(): NetworkStats {
    return {
      users: this.#users,
      maxUsers: this.#maxUsers,
      invisible: this.#invisible,
      opers: this.#opers,
      channels: this.#channels.size,
    };
  }

  whowas(nick: string): readonly WhowasEntry[] {
    return this.#whowas.lookup(nick);
  }

  // --- what the owner of a user changes itself ------------------------------------------

  /**
   * Sets and clears a user's modes, by the hub owning the user (it answers at once); returns
   * the change that took effect, like `+iw-o`, or "". Others learn it by a `userModes` event.
   */
  setOwnModes(user: User, add: string, remove: string): string {
    const counted = this.#nicks.get(user.folded) === user;
    let added = "", removed = "";
    for (const m of add) {
      if (!user.setMode(m, true)) continue;
      added += m;
      if (counted) this.#count(m, 1);
    }
    for (const m of remove) {
      if (!user.setMode(m, false)) continue;
      removed += m;
      if (counted) this.#count(m, -1);
    }
    return (added ? `+${added}` : "") + (removed ? `-${removed}` : "");
  }

  /**
   * Takes a user out of a channel at once, before the PART that says so is applied (a cluster
   * node's own user, who may JOIN again at once); the channel stays until that PART.
   */
  dropMembership(user: User, channel: Channel): void {
    this.#removeMember(channel, user, false);
  }

  /** Forgets a channel without members (a cluster node: the PART it kept it for will not come). */
  forgetIfEmpty(folded: string): void {
    if (this.#channels.get(folded)?.members.size === 0) this.#channels.delete(folded);
  }

  /** Replaces a channel's settings without telling anyone (a cluster node catching up). */
  replaceSettings(folded: string, settings: ChannelSettings): void {
    const channel = this.#channels.get(folded);
    if (channel) setSettings(channel, settings);
  }

  // --- changes ---------------------------------------------------------------------------

  /** Applies one change: the state changes and this process's users are told. */
  apply(e: NetworkEvent): void {
    switch (e.type) {
      case "introduce":
        return this.#introduce(e.user);
      case "nick":
        return this.#nick(e.user, e.nick, e.time);
      case "quit":
        return this.#quit(e.user, e.reason, e.time);
      case "away": {
        if (!this.isHere(e.user)) e.user.away = e.message;
        const params = e.message === undefined ? [] : [e.message];
        const out = new Outgoing(msg("AWAY", params, e.user.source), { time: e.time });
        return this.#toNeighboursAndWatchers(e.user, out, { except: e.user, cap: "away-notify" });
      }
      case "realname": {
        if (!this.isHere(e.user)) e.user.realname = e.realname;
        const out = new Outgoing(msg("SETNAME", [e.realname], e.user.source), { time: e.time });
        return this.#toNeighboursAndWatchers(e.user, out, { cap: "setname" });
      }
      case "account": {
        if (!this.isHere(e.user)) e.user.account = e.account;
        const params = [e.account ?? "*"];
        const out = new Outgoing(msg("ACCOUNT", params, e.user.source), { time: e.time });
        const filter = { except: e.user, cap: "account-notify" };
        return this.#toNeighboursAndWatchers(e.user, out, filter);
      }
      case "userModes":
        return this.#userModes(e.user, e.modes);
      case "join":
        return this.#join(e.user, e.channel, e.status, e.settings, e.time);
      case "part": {
        const params = e.reason === undefined ? [] : [e.reason];
        return this.#leave(e.channel, e.user, e.time, "PART", params, e.user.source);
      }
      case "kick":
        return this.#leave(e.channel, e.target, e.time, "KICK", [e.target.nick, e.reason], e.by);
      case "topic": {
        const channel = this.#channels.get(e.channel);
        if (!channel) return;
        channel.topic = e.topic;
        const params = [channel.name, e.topic?.text ?? ""];
        this.toChannel(channel, new Outgoing(msg("TOPIC", params, e.by), { time: e.time }));
        return this.#registrationChanged(channel);
      }
      case "mode":
        return this.#mode(e.channel, e.by, e.changes, e.time);
      case "invite": {
        const channel = this.#channels.get(e.channel);
        if (!channel) return;
        if (e.admits) channel.invited.add(e.target.folded);
        const params = [e.target.nick, channel.name];
        const out = new Outgoing(msg("INVITE", params, e.by), { time: e.time });
        if (this.isHere(e.target)) e.target.send(out);
        return this.toChannel(channel, out, { except: e.inviter, cap: "invite-notify" });
      }
      case "rename": {
        const renamed = applyRename(this.#channels, this.#here && this.#membersHere, e);
        return renamed && this.#registrationChanged(renamed);
      }
      case "founder": {
        const channel = this.#channels.get(e.channel);
        if (channel) channel.founder = e.founder;
        return;
      }
      case "wallops": {
        const out = new Outgoing(msg("WALLOPS", [e.text], e.by));
        return this.#toUsersHereWithMode("w", out);
      }
      case "metadata":
        return applyMetadata(this, e);
    }
  }

  // --- delivery to the users here --------------------------------------------------------

  /** Delivers to a channel's members here (the hot path of chat). */
  toChannel(channel: Channel, out: Outgoing, filter?: DeliveryFilter): void {
    const members = this.#here ? this.#membersHere.get(channel.folded) : channel.members;
    if (!members) return;
    out.fanOut();
    if (!filter) {
      COUNTERS.deliveries += members.size;
      for (const member of members.keys()) member.send(out);
      return;
    }
    const status = filter.status;
    if (status === undefined) {
      const { except } = filter;
      const caps = filter.cap === undefined && filter.withoutCap === undefined ? undefined : filter;
      COUNTERS.deliveries += members.size - (except && members.has(except) ? 1 : 0);
      if (!caps && !this.#here && !joinsHeld()) {
        const { users, sinks } = channel.members.fanOut ??= fanOutOf(channel.members);
        for (let i = 0; i < sinks.length; i++) if (users[i] !== except) sinks[i]!.send(out);
        return;
      }
      for (const member of members.keys()) if (member !== except) member.send(out, caps);
      return;
    }
    for (const member of members.keys()) {
      if (((channel.members.get(member) ?? 0) & status) !== 0) deliver(member, out, filter);
    }
  }

  /** Delivers once to each user here sharing a channel with `user`, and to `user` if here. */
  toNeighbours(user: User, out: Outgoing, filter?: DeliveryFilter): Set<User> {
    out.fanOut();
    const seen = new Set<User>();
    for (const channel of user.channels.values()) {
      const members = this.#here ? this.#membersHere.get(channel.folded) : channel.members;
      if (!members) continue;
      for (const member of members.keys()) {
        if (seen.has(member)) continue;
        seen.add(member);
        deliver(member, out, filter);
      }
    }
    if (!seen.has(user) && this.isHere(user)) deliver(user, out, filter);
    return seen;
  }

  /** extended-monitor: a user's watchers hear what its neighbours do, once. */
  #toNeighboursAndWatchers(user: User, out: Outgoing, filter: DeliveryFilter): void {
    this.monitors.toWatchers(user, out, this.toNeighbours(user, out, filter), filter);
  }

  #toUsersHereWithMode(mode: string, out: Outgoing): void {
    out.fanOut();
    const users = this.#here ? this.#here.values() : this.#nicks.values();
    for (const user of users) if (user.modes.includes(mode)) user.send(out);
  }

  // --- users -----------------------------------------------------------------------------

  #introduce(user: User): void {
    // a stale holder of the nick (its QUIT still on the way, in a cluster) stays counted
    this.#nicks.set(user.folded, user);
    this.monitors.online(user);
    this.#users++;
    if (this.#users > this.#maxUsers) this.#maxUsers = this.#users;
    for (const m of user.modes) this.#count(m, 1);
  }

  #nick(user: User, nick: string, time: number): void {
    if (user.nick === nick) return;
    const out = new Outgoing(msg("NICK", [nick], user.source), { time });
    this.#whowas.remember(Whowas.snapshot(user, time));
    const { folded, nick: old } = user, held = this.#nicks.get(folded) === user;
    if (held) this.#nicks.delete(folded);
    user.setNick(nick);
    this.#nicks.set(user.folded, user);
    this.toNeighbours(user, out);
    if (folded !== user.folded) this.monitors.renamed(user, { folded, nick: old, held });
  }

  #quit(user: User, reason: string, time: number): void {
    const out = new Outgoing(msg("QUIT", [reason], user.source), { time });
    this.toNeighbours(user, out, { except: user });
    for (const channel of [...user.channels.values()]) this.#removeMember(channel, user, true);
    const held = this.#nicks.get(user.folded) === user;
    if (held) this.#nicks.delete(user.folded);
    if (held) this.monitors.offline(user.folded, user.nick);
    this.#users--;
    for (const m of user.modes) this.#count(m, -1);
    this.#whowas.remember(Whowas.snapshot(user, time));
  }

  /** Another process's user changed modes (the owner did it with `setOwnModes`). */
  #userModes(user: User, modes: string): void {
    if (this.isHere(user)) return;
    for (const m of user.modes) this.#count(m, -1);
    user.setModes(modes);
    for (const m of user.modes) this.#count(m, 1);
  }

  #count(mode: string, delta: number): void {
    if (mode === "i") this.#invisible += delta;
    else if (mode === "o") this.#opers += delta;
  }

  // --- channels --------------------------------------------------------------------------

  #join(
    user: User,
    folded: string,
    status: number,
    settings: ChannelSettings | undefined,
    time: number,
  ): void {
    let channel = this.#channels.get(folded);
    if (!channel) {
      if (!settings) return;
      channel = new Channel(settings.name, settings.created);
      this.#channels.set(folded, channel);
    }
    if (settings) setSettings(channel, settings);
    channel.invited.delete(user.folded);
    const joined = !channel.has(user);
    channel.members.set(user, status);
    if (!joined) return;
    user.channels.set(folded, channel);
    let audience: Audience = channel.members;
    if (this.#here) {
      let here = this.#membersHere.get(folded);
      if (this.#here.has(user)) {
        if (!here) this.#membersHere.set(folded, here = new Set());
        here.add(user);
      }
      if (!here) return; // nobody here hears it
      audience = here;
    }
    const { plain, extended } = joinLines(channel, user, time);
    announceJoin(channel, audience, user, plain, extended);
    if (user.away !== undefined) {
      // away-notify: a user joining while away is followed by its AWAY (after the JOIN: a member
      // with held joins gets them first); the joiner knows its own state
      const away = new Outgoing(msg("AWAY", [user.away], user.source), { time });
      this.toChannel(channel, away, { except: user, cap: "away-notify" });
    }
    if (user.metadata) joinerMetadata(audience, user, time);
  }

  /** A PART or KICK: the members here see it (a user dropped early too), then it leaves. */
  #leave(
    folded: string,
    user: User,
    time: number,
    command: "PART" | "KICK",
    params: string[],
    source: string,
  ): void {
    const channel = this.#channels.get(folded);
    if (!channel) return;
    const out = new Outgoing(msg(command, [channel.name, ...params], source), { time });
    this.toChannel(channel, out);
    // a user of this process whose membership was dropped at once still sees the line
    if (!channel.has(user) && this.#here?.has(user)) user.send(out);
    this.#removeMember(channel, user, true);
  }

  #mode(folded: string, by: string, changes: ModeEffect[], time: number): void {
    const channel = this.#channels.get(folded);
    if (!channel) return;
    const applied: ModeChange[] = [];
    for (const c of changes) {
      const change = { adding: c.adding, mode: c.mode, param: c.member?.nick ?? c.param };
      if (applyModeChange(channel, change, by, c.member, time)) applied.push(change);
    }
    if (applied.length === 0) return;
    const params = [channel.name, ...formatModeChanges(applied)];
    this.toChannel(channel, new Outgoing(msg("MODE", params, by), { time }));
    this.#registrationChanged(channel);
  }

  #registrationChanged(channel: Channel): void {
    if (channel.founder !== undefined) this.#options.registrationChanged?.(channel);
  }

  #removeMember(channel: Channel, user: User, end: boolean): void {
    flushChannel(channel); // held JOINs go to members in join order: nobody may leave first
    channel.members.delete(user);
    user.channels.delete(channel.folded);
    if (this.#here) {
      const set = this.#membersHere.get(channel.folded);
      if (set?.delete(user) && set.size === 0) this.#membersHere.delete(channel.folded);
    }
    if (!end || channel.members.size > 0) return;
    if (this.#channels.get(channel.folded) === channel) this.#channels.delete(channel.folded);
    this.#options.channelEnded?.(channel);
  }
}

/** Each member's sessions' sinks beside the member (see `FanOut`). */
function fanOutOf(members: Members): FanOut {
  const fan: FanOut = { users: [], sinks: [] };
  for (const member of members.keys()) {
    for (const session of member.sessions) {
      fan.users.push(member);
      fan.sinks.push(session.sink);
    }
  }
  return fan;
}
