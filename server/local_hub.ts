/**
 * The hub for a single `chat serve` process: all users and channels live in this process's
 * memory and delivery is a direct call into each recipient's sink.
 *
 * @module
 */

import { announceJoin, flushChannel, joinLines } from "./join_batch.ts";
import { Whowas } from "./network/whowas.ts";
import { foldCase } from "../protocol/casemap.ts";
import { msg } from "../protocol/message.ts";
import { applyModeChange, formatModeChanges, type ModeChange } from "./channel_modes.ts";
import {
  deliver,
  type DeliveryFilter,
  droppedAccountLogout,
  type Hub,
  type NetworkStats,
  type Relay,
  type WhowasEntry,
} from "./hub.ts";
import { notStoredNotice } from "./history_warning.ts";
import { Outgoing } from "./outgoing.ts";
import { Channel, OP } from "./state/channel.ts";
import {
  channelFromRegistration,
  type ChannelRegistry,
  type RegisteredChannel,
} from "./store/accounts.ts";
import type { User } from "./state/user.ts";
import { historyEndsWithChannel, newChannelHistoryKey } from "./store/conversations.ts";
import type { HistoryStore } from "./store/history.ts";

/** In-process implementation of `Hub`. */
export class LocalHub implements Hub {
  readonly #nicks = new Map<string, User>();
  readonly #channels = new Map<string, Channel>();
  readonly #whowas = new Whowas();
  #registered = 0;
  #maxUsers = 0;
  /** Registered users with +i, and with +o. */
  #invisible = 0;
  #opers = 0;
  readonly #now: () => number;
  readonly #registry: ChannelRegistry | undefined;
  readonly #history: HistoryStore | undefined;
  readonly #permanent: ReadonlySet<string>;
  readonly #serverName: string;

  /**
   * `registry` restores registered channels when they are recreated and saves their changes;
   * `history` forgets what a channel said when the channel ends, unless it is registered or one
   * of the `permanent` channels (folded names); `serverName` is the source of what the hub itself
   * tells a user (a 901 when logged out).
   */
  constructor(
    options: {
      serverName: string;
      registry?: ChannelRegistry;
      history?: HistoryStore;
      permanent?: ReadonlySet<string>;
      now?: () => number;
    },
  ) {
    this.#registry = options.registry;
    this.#history = options.history;
    this.#permanent = options.permanent ?? new Set();
    this.#serverName = options.serverName;
    this.#now = options.now ?? Date.now;
  }

  findUser(nick: string): User | undefined {
    return this.#nicks.get(foldCase(nick));
  }

  /** A channel in memory, or a registered one brought back (empty) from the registry. */
  findChannel(name: string): Channel | undefined {
    const folded = foldCase(name);
    const found = this.#channels.get(folded);
    if (found || !this.#registry) return found;
    const restored = this.#restore(name);
    if (restored) this.#channels.set(folded, restored);
    return restored;
  }

  *users(): Iterable<User> {
    for (const u of this.#nicks.values()) if (u.registered) yield u;
  }

  channels(): Iterable<Channel> {
    return this.#channels.values();
  }

  /** O(1): LUSERS runs at every registration, so counting users each time would be O(N²). */
  stats(): NetworkStats {
    return {
      users: this.#registered,
      maxUsers: this.#maxUsers,
      invisible: this.#invisible,
      opers: this.#opers,
      unknown: this.#nicks.size - this.#registered,
      channels: this.#channels.size,
    };
  }

  whowas(nick: string): readonly WhowasEntry[] {
    return this.#whowas.lookup(nick);
  }

  claimNick(user: User, nick: string): Promise<boolean> {
    return Promise.resolve(this.#takeNick(user, nick));
  }

  #takeNick(user: User, nick: string): boolean {
    const folded = foldCase(nick);
    const holder = this.#nicks.get(folded);
    if (holder && holder !== user) return false;
    if (this.#nicks.get(user.folded) === user) this.#nicks.delete(user.folded);
    this.#nicks.set(folded, user);
    user.setNick(nick);
    return true;
  }

  register(user: User): void {
    if (this.#nicks.get(user.folded) !== user) return;
    this.#registered++;
    if (this.#registered > this.#maxUsers) this.#maxUsers = this.#registered;
    for (const m of user.modes) this.#count(m, 1);
  }

  changeNick(user: User, nick: string): Promise<boolean> {
    const out = new Outgoing(msg("NICK", [nick], user.source), { time: this.#now() });
    const old = Whowas.snapshot(user, this.#now());
    if (!this.#takeNick(user, nick)) return Promise.resolve(false);
    this.#whowas.remember(old);
    user.send(out);
    this.toNeighbours(user, out, { except: user });
    return Promise.resolve(true);
  }

  quit(user: User, reason: string): void {
    if (this.#nicks.get(user.folded) !== user) return;
    const out = new Outgoing(msg("QUIT", [reason], user.source), { time: this.#now() });
    this.toNeighbours(user, out, { except: user });
    for (const channel of user.channels.values()) this.#removeMember(channel, user);
    this.#nicks.delete(user.folded);
    if (user.registered) {
      this.#registered--;
      if (user.modes.has("i")) this.#invisible--;
      if (user.modes.has("o")) this.#opers--;
      this.#whowas.remember(Whowas.snapshot(user, this.#now()));
    }
  }

  join(user: User, name: string): Promise<Channel> {
    const folded = foldCase(name);
    let channel = this.findChannel(name);
    if (!channel) {
      const now = this.#now();
      channel = new Channel(name, now);
      channel.historyKey = newChannelHistoryKey(folded, this.#permanent.has(folded), now);
      channel.modes.add("n").add("t");
      this.#channels.set(folded, channel);
    }
    const first = channel.members.size === 0 && channel.founder === undefined;
    channel.members.set(user, first || channel.isFounder(user) ? OP : 0);
    channel.invited.delete(user.folded);
    user.channels.set(folded, channel);
    const time = this.#now();
    const { plain, extended } = joinLines(channel, user, time);
    announceJoin(channel, channel.members, user, plain, extended);
    return Promise.resolve(channel);
  }

  part(user: User, channel: Channel, reason: string | undefined): void {
    const params = reason === undefined ? [channel.name] : [channel.name, reason];
    this.toChannel(channel, new Outgoing(msg("PART", params, user.source), { time: this.#now() }));
    this.#removeMember(channel, user);
  }

  kick(by: User, channel: Channel, target: User, reason: string): void {
    const out = new Outgoing(msg("KICK", [channel.name, target.nick, reason], by.source), {
      time: this.#now(),
    });
    this.toChannel(channel, out);
    this.#removeMember(channel, target);
  }

  setTopic(by: User, channel: Channel, text: string): void {
    const now = this.#now();
    channel.topic = text === "" ? undefined : { text, setBy: by.source, setAt: now };
    this.toChannel(
      channel,
      new Outgoing(msg("TOPIC", [channel.name, text], by.source), { time: now }),
    );
    this.#persist(channel);
  }

  changeModes(by: User, channel: Channel, changes: ModeChange[]): Promise<void> {
    const now = this.#now();
    const applied = changes.filter((c) => {
      const member = c.mode === "o" || c.mode === "v" ? this.findUser(c.param!) : undefined;
      if (member) c.param = member.nick;
      return applyModeChange(channel, c, by.source, member, now);
    });
    if (applied.length > 0) {
      const params = [channel.name, ...formatModeChanges(applied)];
      this.toChannel(channel, new Outgoing(msg("MODE", params, by.source), { time: now }));
      this.#persist(channel);
    }
    return Promise.resolve();
  }

  invite(by: User, channel: Channel, target: User, admits: boolean): void {
    if (admits) channel.invited.add(target.folded);
    const out = new Outgoing(msg("INVITE", [target.nick, channel.name], by.source), {
      time: this.#now(),
    });
    target.send(out);
    this.toChannel(channel, out, { except: by, cap: "invite-notify" });
  }

  setAway(user: User, message: string | undefined): void {
    user.away = message;
    const params = message === undefined ? [] : [message];
    const out = new Outgoing(msg("AWAY", params, user.source), { time: this.#now() });
    this.toNeighbours(user, out, { except: user, cap: "away-notify" });
  }

  setRealname(user: User, realname: string): void {
    user.realname = realname;
    const out = new Outgoing(msg("SETNAME", [realname], user.source), { time: this.#now() });
    this.toNeighbours(user, out, { cap: "setname" });
  }

  setUserModes(user: User, add: string, remove: string): string {
    let added = "", removed = "";
    const counted = user.registered && this.#nicks.get(user.folded) === user;
    for (const m of add) {
      if (!user.modes.has(m)) {
        user.modes.add(m);
        added += m;
        if (counted) this.#count(m, 1);
      }
    }
    for (const m of remove) {
      if (user.modes.delete(m)) {
        removed += m;
        if (counted) this.#count(m, -1);
      }
    }
    return (added ? `+${added}` : "") + (removed ? `-${removed}` : "");
  }

  setAccount(user: User, account: string | undefined): void {
    user.account = account;
    const out = new Outgoing(msg("ACCOUNT", [account ?? "*"], user.source), { time: this.#now() });
    this.toNeighbours(user, out, { except: user, cap: "account-notify" });
  }

  /** Throws (and changes nothing) when the registry cannot save the change. */
  setFounder(channel: Channel, founder: string | undefined): void {
    const before = channel.founder;
    channel.founder = founder === undefined ? undefined : foldCase(founder);
    try {
      if (founder !== undefined) {
        this.#persist(channel);
        return;
      }
      this.#registry?.dropChannel(channel.name);
    } catch (err) {
      channel.founder = before; // registered (or not) as the database says
      throw err;
    }
    // an empty channel brought back from the registry ends now, and its history with it
    if (channel.members.size === 0) this.#end(channel);
  }

  accountDropped(account: string): void {
    const folded = foldCase(account);
    for (const channel of [...this.#channels.values()]) {
      if (channel.founder !== folded) continue;
      channel.founder = undefined;
      // an empty registered channel was only kept for its registration: it ends now
      if (channel.members.size === 0) this.#end(channel);
    }
    for (const user of this.users()) {
      if (user.account === undefined || foldCase(user.account) !== folded) continue;
      this.setAccount(user, undefined);
      user.send(droppedAccountLogout(user, account, this.#serverName));
    }
  }

  relay(r: Relay): void {
    const history = this.#history;
    if (history && r.history.length > 0) {
      for (const copy of r.history) history.append(copy.conversation, copy.message, copy.label);
      // before the echo: the sender learns first that it is not kept (once per outage)
      const notice = notStoredNotice(r.from, history, this.#serverName);
      if (notice) r.from.sendTo(r.session, notice);
    }
    const filter = r.cap === undefined ? undefined : { cap: r.cap };
    if ("channel" in r.to) {
      const { channel, status } = r.to;
      this.toChannel(channel, r.out, { except: r.from, cap: r.cap, status });
    } else {
      r.to.user.send(r.out, filter);
    }
    if (r.echo && r.session.accepts(filter)) r.from.sendTo(r.session, r.out);
  }

  /** Delivers to every member of a channel (the hot path of chat). */
  toChannel(channel: Channel, out: Outgoing, filter?: DeliveryFilter): void {
    out.fanOut();
    if (!filter) {
      for (const member of channel.members.keys()) member.send(out);
      return;
    }
    const status = filter.status;
    if (status === undefined) {
      // keys(), not entries(): an entry is an array allocated per member, per message
      const { except } = filter;
      const caps = filter.cap === undefined && filter.withoutCap === undefined ? undefined : filter;
      for (const member of channel.members.keys()) if (member !== except) member.send(out, caps);
      return;
    }
    for (const [member, bits] of channel.members) {
      if ((bits & status) !== 0) deliver(member, out, filter);
    }
  }

  toNeighbours(user: User, out: Outgoing, filter?: DeliveryFilter): void {
    out.fanOut();
    const seen = new Set<User>();
    for (const channel of user.channels.values()) {
      for (const member of channel.members.keys()) {
        if (seen.has(member)) continue;
        seen.add(member);
        deliver(member, out, filter);
      }
    }
    if (!seen.has(user)) deliver(user, out, filter);
  }

  toUsersWithMode(mode: string, out: Outgoing): void {
    out.fanOut();
    for (const user of this.users()) if (user.modes.has(mode)) user.send(out);
  }

  #count(mode: string, delta: number): void {
    if (mode === "i") this.#invisible += delta;
    else if (mode === "o") this.#opers += delta;
  }

  /** A registered channel as it was saved, or undefined. */
  #restore(name: string): Channel | undefined {
    const saved = this.#registry?.load(name);
    return saved && channelFromRegistration(saved);
  }

  /** Saves a registered channel's state after a change. */
  #persist(channel: Channel): void {
    if (channel.founder === undefined || !this.#registry) return;
    const saved: RegisteredChannel = {
      name: channel.name,
      founder: channel.founder,
      topic: channel.topic,
      modes: [...channel.modes].sort().join(""),
      key: channel.key,
      limit: channel.limit,
      bans: channel.bans,
      created: channel.created,
      historyKey: channel.historyKey,
    };
    this.#registry.save(saved);
  }

  #removeMember(channel: Channel, user: User): void {
    flushChannel(channel); // held JOINs go to members in join order: nobody may leave first
    channel.members.delete(user);
    user.channels.delete(channel.folded);
    if (channel.members.size === 0) this.#end(channel);
  }

  /** A channel without members is gone; its history too unless it outlives the channel. */
  #end(channel: Channel): void {
    if (this.#channels.get(channel.folded) === channel) this.#channels.delete(channel.folded);
    if (historyEndsWithChannel(channel)) this.#history?.forget(channel.historyKey);
  }
}
