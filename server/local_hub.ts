/**
 * The hub for a single `chat serve` process: it decides each change to the network in
 * TypeScript (who holds a nick, who becomes op, which channel a JOIN creates) and applies the
 * resulting event to its `Network`, which tells the users. It also keeps what outlives the
 * process: registered channels (the registry) and the history that ends with a channel.
 *
 * @module
 */

import { foldCase } from "../protocol/casemap.ts";
import type { ModeChange } from "./channel_modes.ts";
import {
  type DeliveryFilter,
  droppedAccountLogout,
  echoSessions,
  type Hub,
  type NetworkStats,
  type Relay,
  relayFilter,
  type RenameOutcome,
  type WhowasEntry,
} from "./hub.ts";
import { notStoredNotice } from "./history_warning.ts";
import type { ChannelSettings, NetworkEvent } from "./network/events.ts";
import { Monitors } from "./network/monitors.ts";
import { Network } from "./network/network.ts";
import {
  channelFromRegistration,
  joinStatus,
  NAME_IN_USE,
  newChannelSettings,
  renameRefusal,
  settingsFromRegistration,
} from "./network/rules.ts";
import type { Outgoing } from "./outgoing.ts";
import type { Channel } from "./state/channel.ts";
import { type ChannelRegistry, registrationOf } from "./store/accounts.ts";
import { newUserId, type User } from "./state/user.ts";
import { historyEndsWithChannel } from "./store/conversations.ts";
import type { AlwaysOnRecord, AlwaysOnStore } from "./store/always_on.ts";
import { awayOnPresence, expired, recordOf, restoredUser } from "./always_on.ts";
import type { HistoryStore } from "./store/history.ts";
import type { MetadataTarget } from "./metadata.ts";
import { COUNTERS } from "./metrics/counters.ts";

/** In-process implementation of `Hub`. */
export class LocalHub implements Hub {
  readonly #network: Network;
  readonly monitors = new Monitors();
  /** Users still registering, by the folded nick they claimed. */
  readonly #pending = new Map<string, User>();
  readonly #now: () => number;
  readonly #registry: ChannelRegistry | undefined;
  readonly #history: HistoryStore | undefined;
  readonly #alwaysOn: AlwaysOnStore | undefined;
  /** Restoring saved users: what they are in is saved already. */
  #restoring = false;
  readonly #permanent: ReadonlySet<string>;
  readonly #serverName: string;

  /**
   * `registry` restores registered channels when they are recreated and saves their changes;
   * `history` forgets what a channel said when the channel ends, unless it is registered or one
   * of the `permanent` channels (folded names); `serverName` is the source of what the hub itself
   * tells a user (a 901 when logged out); `alwaysOn` keeps always-on users for a restart.
   */
  constructor(
    options: {
      serverName: string;
      registry?: ChannelRegistry;
      history?: HistoryStore;
      alwaysOn?: AlwaysOnStore;
      permanent?: ReadonlySet<string>;
      now?: () => number;
    },
  ) {
    this.#registry = options.registry;
    this.#history = options.history;
    this.#alwaysOn = options.alwaysOn;
    this.#permanent = options.permanent ?? new Set();
    this.#serverName = options.serverName;
    this.#now = options.now ?? Date.now;
    this.#network = new Network({
      now: this.#now,
      monitors: this.monitors,
      registrationChanged: (channel) => this.#persist(channel),
      channelEnded: (channel) => this.#forgetHistory(channel),
    });
  }

  findUser(nick: string): User | undefined {
    const folded = foldCase(nick);
    return this.#network.userByNick(folded) ?? this.#pending.get(folded);
  }

  /** A live channel, or a registered one (empty) as the registry keeps it. */
  findChannel(name: string): Channel | undefined {
    const folded = foldCase(name);
    const live = this.#network.channel(folded);
    if (live || !this.#registry) return live;
    const saved = this.#registry.load(name);
    return saved && channelFromRegistration(saved);
  }

  users(): Iterable<User> {
    return this.#network.users();
  }

  channels(): Iterable<Channel> {
    return this.#network.channels();
  }

  accountUser(account: string, besides?: User): User | undefined {
    return this.#network.accountUser(account, besides);
  }

  stats(): NetworkStats {
    return this.#network.stats();
  }

  whowas(nick: string): readonly WhowasEntry[] {
    return this.#network.whowas(nick);
  }

  claimNick(user: User, nick: string): Promise<boolean> {
    const folded = foldCase(nick);
    if (!this.#free(user, folded)) return Promise.resolve(false);
    if (this.#pending.get(user.folded) === user) this.#pending.delete(user.folded);
    user.setNick(nick);
    this.#pending.set(folded, user);
    return Promise.resolve(true);
  }

  register(user: User): void {
    if (this.#pending.get(user.folded) !== user) return;
    this.#pending.delete(user.folded);
    this.#apply({ type: "introduce", user });
  }

  changeNick(user: User, nick: string): Promise<boolean> {
    if (!this.#free(user, foldCase(nick))) return Promise.resolve(false);
    this.#apply({ type: "nick", user, nick, time: this.#now() });
    return Promise.resolve(true);
  }

  quit(user: User, reason: string): void {
    if (this.#pending.get(user.folded) === user) this.#pending.delete(user.folded);
    else if (this.#network.userByNick(user.folded) === user) {
      this.#apply({ type: "quit", user, reason, time: this.#now() });
    }
  }

  join(user: User, name: string): Promise<Channel> {
    const folded = foldCase(name);
    const live = this.#network.channel(folded);
    const settings = live ? undefined : this.#settingsFor(name, folded);
    const account = user.account === undefined ? undefined : foldCase(user.account);
    const founder = live ? live.founder : settings?.founder;
    const status = joinStatus(live?.members.size ?? 0, founder, account);
    this.#apply({ type: "join", user, channel: folded, status, settings, time: this.#now() });
    return Promise.resolve(this.#network.channel(folded)!);
  }

  part(user: User, channel: Channel, reason: string | undefined): void {
    this.#apply({ type: "part", user, channel: channel.folded, reason, time: this.#now() });
  }

  kick(by: User, channel: Channel, target: User, reason: string): void {
    const time = this.#now();
    this.#apply({ type: "kick", by: by.source, target, channel: channel.folded, reason, time });
  }

  setTopic(by: User, channel: Channel, text: string): void {
    const time = this.#now();
    const topic = text === "" ? undefined : { text, setBy: by.source, setAt: time };
    this.#apply({ type: "topic", channel: channel.folded, topic, by: by.source, time });
  }

  changeModes(by: User, channel: Channel, changes: ModeChange[]): Promise<void> {
    const effects = changes.map((c) => {
      const named = c.mode === "o" || c.mode === "v";
      return { ...c, member: named ? this.findUser(c.param!) : undefined };
    });
    const time = this.#now();
    this.#apply({ type: "mode", channel: channel.folded, by: by.source, changes: effects, time });
    return Promise.resolve();
  }

  invite(by: User, channel: Channel, target: User, admits: boolean): void {
    this.#apply({
      type: "invite",
      channel: channel.folded,
      by: by.source,
      inviter: by,
      target,
      admits,
      time: this.#now(),
    });
  }

  setAway(user: User, message: string | undefined): void {
    user.away = message;
    this.#apply({ type: "away", user, message, time: this.#now() });
  }

  setRealname(user: User, realname: string): void {
    user.realname = realname;
    this.#apply({ type: "realname", user, realname, time: this.#now() });
  }

  setMetadata(by: User, target: MetadataTarget, key: string, value: string | undefined) {
    const where = "user" in target ? { user: target.user } : { channel: target.channel.folded };
    const time = this.#now();
    this.#apply({ type: "metadata", ...where, key, value, by: by.source, setter: by, time });
    return Promise.resolve(true);
  }

  setUserModes(user: User, add: string, remove: string): string {
    return this.#network.setOwnModes(user, add, remove);
  }

  setAccount(user: User, account: string | undefined): void {
    user.account = account;
    this.#apply({ type: "account", user, account, time: this.#now() });
  }

  rename(by: User, channel: Channel, name: string, reason: string): Promise<RenameOutcome> {
    const to = foldCase(name), now = this.#now();
    const taken = to !== channel.folded &&
      (this.#network.channel(to) || this.#registry?.load(name));
    const refused = renameRefusal(channel, to, this.#permanent, now) ??
      (taken ? NAME_IN_USE : undefined);
    if (refused) return Promise.resolve(refused);
    // the registration follows: saved under the new name when the network applies the rename
    if (channel.founder !== undefined && to !== channel.folded) {
      this.#registry?.dropChannel(channel.name);
    }
    const from = channel.folded;
    this.#apply({ type: "rename", channel: from, name, by: by.source, reason, time: now });
    return Promise.resolve({ ok: true });
  }

  /** Throws (and changes nothing) when the registry cannot save the change. */
  setFounder(channel: Channel, founder: string | undefined): void {
    const folded = founder === undefined ? undefined : foldCase(founder);
    if (folded !== undefined) this.#registry?.save(registrationOf(channel, folded));
    else this.#registry?.dropChannel(channel.name);
    this.#apply({ type: "founder", channel: channel.folded, founder: folded });
    // a registered channel without members is not in the network: its copy is told here
    if (this.#network.channel(channel.folded) !== channel) channel.founder = folded;
    // an empty channel brought back from the registry ends now, and its history with it
    if (folded === undefined && channel.members.size === 0) this.#forgetHistory(channel);
  }

  accountDropped(account: string): void {
    const folded = foldCase(account);
    for (const channel of this.#network.channels()) {
      if (channel.founder === folded) this.#apply({ type: "founder", channel: channel.folded });
    }
    for (const user of [...this.users()]) {
      if (user.account === undefined || foldCase(user.account) !== folded) continue;
      user.alwaysOn = false;
      this.setAccount(user, undefined);
      user.send(droppedAccountLogout(user, account, this.#serverName));
      // an always-on user nobody is connected to ends with its account
      if (user.sessions.length === 0) this.quit(user, "Account dropped");
    }
  }

  setPresent(user: User, present: boolean): void {
    const away = awayOnPresence(user, present, this.#now());
    if (away) this.setAway(user, away.message);
    this.keepAlwaysOn(user);
  }

  keepAlwaysOn(user: User): void {
    if (!this.#alwaysOn || user.account === undefined) return;
    if (user.alwaysOn) this.#alwaysOn.save(recordOf(user, this.#now()));
    else this.#alwaysOn.forget(user.account);
  }

  /**
   * Brings back the always-on users saved before a restart, with no session, away, in their
   * channels with their status; those unseen past `expireMs` end instead. Returns how many came
   * back.
   */
  restore(records: AlwaysOnRecord[], expireMs: number): number {
    this.#restoring = true;
    try {
      return this.#restoreAll(records, this.#now(), expireMs);
    } finally {
      this.#restoring = false;
    }
  }

  #restoreAll(records: AlwaysOnRecord[], now: number, expireMs: number): number {
    let restored = 0;
    for (const record of records) {
      if (expired(record.lastSeen, now, expireMs) || this.findUser(record.nick)) {
        this.#alwaysOn?.forget(record.account);
        continue;
      }
      const user = restoredUser(record, newUserId());
      this.#apply({ type: "introduce", user });
      for (const { status, settings } of record.channels) {
        const folded = foldCase(settings.name);
        // a registered channel comes back as registered, another as saved (with its history)
        const create = this.#network.channel(folded)
          ? undefined
          : this.#registry?.load(settings.name)
          ? this.#settingsFor(settings.name, folded)
          : settings;
        this.#apply({ type: "join", user, channel: folded, status, settings: create, time: now });
      }
      restored++;
    }
    return restored;
  }

  stopping(): void {
    for (const user of this.users()) if (user.alwaysOn) this.keepAlwaysOn(user);
  }

  relay(r: Relay): void {
    const history = this.#history;
    if (history && r.history.length > 0) {
      for (const copy of r.history) history.append(copy.conversation, copy.message, copy.label);
      // before the echo: the sender learns first that it is not kept (once per outage)
      const notice = notStoredNotice(r.from, history, this.#serverName);
      if (notice) r.from.sendTo(r.session, notice);
    }
    const filter = relayFilter(r);
    if ("channel" in r.to) {
      const { channel, status } = r.to;
      this.#network.toChannel(channel, r.out, { ...filter, except: r.from, status });
    } else if (r.to.user === r.from) {
      // to oneself: a delivery to each session, the sender's included, which is no reply to the
      // command (labeled-response: only its echo, if any, carries the label)
      for (const s of r.from.sessions) if (s.accepts(filter)) r.from.deliverTo(s, r.out);
    } else {
      COUNTERS.deliveries++;
      r.to.user.send(r.out, filter);
    }
    for (const session of echoSessions(r)) r.from.sendTo(session, r.out);
  }

  toNeighbours(user: User, out: Outgoing, filter?: DeliveryFilter): void {
    this.#network.toNeighbours(user, out, filter);
  }

  wallops(by: User, text: string): void {
    this.#apply({ type: "wallops", by: by.source, text });
  }

  #apply(e: NetworkEvent): void {
    this.#network.apply(e);
    if (!this.#alwaysOn || this.#restoring) return;
    // an always-on user's record follows what it is in and what it is called
    switch (e.type) {
      case "join":
      case "part":
      case "nick":
      case "away":
      case "realname":
        if (e.user.alwaysOn) this.keepAlwaysOn(e.user);
        break;
      case "kick":
        if (e.target.alwaysOn) this.keepAlwaysOn(e.target);
        break;
      case "rename": // its members' records name the channel
        for (const m of this.#network.channel(foldCase(e.name))?.members.keys() ?? []) {
          if (m.alwaysOn) this.keepAlwaysOn(m);
        }
        break;
      case "mode":
        for (const c of e.changes) if (c.member?.alwaysOn) this.keepAlwaysOn(c.member);
        break;
      case "quit":
        if (e.user.alwaysOn && e.user.account !== undefined) this.#alwaysOn.forget(e.user.account);
        break;
    }
  }

  /** True when nobody but `user` holds or claims the folded nick. */
  #free(user: User, folded: string): boolean {
    const holder = this.#network.userByNick(folded) ?? this.#pending.get(folded);
    return holder === undefined || holder === user;
  }

  /** The settings of a channel a JOIN creates: as registered, or new. */
  #settingsFor(name: string, folded: string): ChannelSettings {
    const saved = this.#registry?.load(name);
    if (saved) return settingsFromRegistration(saved, folded);
    return newChannelSettings(name, folded, this.#permanent.has(folded), this.#now());
  }

  /** Saves a registered channel's state after a change. */
  #persist(channel: Channel): void {
    if (channel.founder !== undefined) {
      this.#registry?.save(registrationOf(channel, channel.founder));
    }
  }

  /** A channel ended: its history goes too, unless it outlives the channel. */
  #forgetHistory(channel: Channel): void {
    if (historyEndsWithChannel(channel)) this.#history?.forget(channel.historyKey);
  }
}
