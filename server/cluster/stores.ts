/**
 * History, accounts and registered channels in Redis, shared by every node, behind the same
 * `Stores` interfaces the SQLite file implements.
 *
 * History: one stream per conversation (`chat:h:<conversation>`, ids in message-time order),
 * a msgid index, and a sorted set of conversations for CHATHISTORY TARGETS. A message is stored by
 * the same Lua script that publishes it, before publishing it: whoever receives a message — the
 * sender's echo included, which comes back from Redis too — receives a stored one. That replaces
 * SQLite's "committed before the echo is written" (`flush` has nothing left to do).
 *
 * Accounts: the public half (name, created) is replicated on every node through events, so
 * `find` stays synchronous; the password hashes are read from Redis when a password is checked.
 * Registered channels are replicated the same way and changed by the hub's scripts.
 *
 * @module
 */

import { foldCase } from "../../protocol/casemap.ts";
import type { ScramVerifier } from "../scram.ts";
import type { Logger } from "../log.ts";
import type {
  Account,
  AccountStore,
  AddCertResult,
  ChannelRegistry,
  CreateAccountResult,
  RegisteredChannel,
} from "../store/accounts.ts";
import { RedisAccountSecrets, storedSecretOf } from "./account_secrets.ts";
import { storedMessageOf } from "./records.ts";
import type {
  ConversationSummary,
  HistoryStore,
  MessageRef,
  RetentionPolicy,
  SearchQuery,
  SearchScope,
  StoredMessage,
  TargetScope,
} from "../store/history.ts";
import type { Stores } from "../store/stores.ts";
import { MAX_MARKERS_PER_ACCOUNT, type ReadMarkers } from "../store/read_markers.ts";
import type { AlwaysOnRecord, AlwaysOnStore } from "../store/always_on.ts";
import { ownerOf } from "../store/conversations.ts";
import type { ClusterHub } from "./cluster_hub.ts";
import { isConnectionError, type RedisLink, RedisUnavailableError } from "./redis_client.ts";
import { searchRedis } from "./redis_search.ts";
import { PREFIX } from "./scripts.ts";
import { errorMessage } from "../../util/error_message.ts";

const MAX_SEQ = "18446744073709551615";
/** Private conversations TARGETS looks into, at most. */
const TARGET_CANDIDATES = 2000;

/** A stream entry as ioredis returns it. */
type Entry = [string, string[]];

function toMessage([, fields]: Entry): StoredMessage {
  return storedMessageOf(fields);
}

/** `ms-seq` as two numbers, for comparing stream ids. */
function position(id: string): [number, number] {
  const [ms, seq] = id.split("-");
  return [Number(ms), Number(seq ?? 0)];
}

function earlier(a: [number, number], b: [number, number]): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}

/** History in Redis streams. */
export class RedisHistory implements HistoryStore {
  readonly #hub: ClusterHub;
  readonly #link: RedisLink;
  readonly #log: Logger;

  constructor(hub: ClusterHub, link: RedisLink, log: Logger) {
    this.#hub = hub;
    this.#link = link;
    this.#log = log;
  }

  /**
   * Stores a message that no publication carries; a relayed message is stored by its own
   * publication instead (`ClusterHub.relay`, see module doc).
   */
  append(conversation: string, message: StoredMessage, label?: string): void {
    this.#hub.store({ conversation, message, label });
  }

  /** Echoes come back from Redis after their message is stored: nothing to wait for here. */
  flush(): true {
    return true;
  }

  /** Redis being away is the op queue's to report (the hub's NOTICE "could not be delivered"). */
  readonly outageEpisode = 0;

  latest(conversation: string, after: MessageRef, limit: number): Promise<StoredMessage[]> {
    return this.#query(async () => {
      const lo = after === "*" ? "-" : await this.#lower(conversation, after);
      return lo === undefined ? [] : await this.#newest(conversation, "+", lo, limit);
    });
  }

  before(conversation: string, ref: MessageRef, limit: number): Promise<StoredMessage[]> {
    return this.#query(async () => {
      const hi = await this.#upper(conversation, ref);
      return hi === undefined ? [] : await this.#newest(conversation, hi, "-", limit);
    });
  }

  after(conversation: string, ref: MessageRef, limit: number): Promise<StoredMessage[]> {
    return this.#query(async () => {
      const lo = await this.#lower(conversation, ref);
      return lo === undefined ? [] : await this.#oldest(conversation, lo, "+", limit);
    });
  }

  around(conversation: string, ref: MessageRef, limit: number): Promise<StoredMessage[]> {
    return this.#query(async () => {
      const hi = await this.#upper(conversation, ref);
      if (hi === undefined || ref === "*") return [];
      const before = await this.#newest(conversation, hi, "-", Math.floor(limit / 2));
      const from = "time" in ref ? `${ref.time}-0` : hi.slice(1); // the reference itself
      const rest = await this.#oldest(conversation, from, "+", limit - before.length);
      return [...before, ...rest];
    });
  }

  between(
    conversation: string,
    from: MessageRef,
    to: MessageRef,
    limit: number,
  ): Promise<StoredMessage[]> {
    return this.#query(async () => {
      const a = await this.#lower(conversation, from);
      const b = await this.#upper(conversation, to);
      if (a === undefined || b === undefined) return [];
      const pa = a === "-" ? [-1, 0] as [number, number] : position(a.slice(1));
      const pb = b === "+" ? [Infinity, 0] as [number, number] : position(b.slice(1));
      if (earlier(pa, pb)) return await this.#oldest(conversation, a, b, limit);
      // `from` is the later one: the `limit` messages just before it, down to `to`
      const hi = await this.#upper(conversation, from);
      const lo = await this.#lower(conversation, to);
      return hi === undefined || lo === undefined
        ? []
        : await this.#newest(conversation, hi, lo, limit);
    });
  }

  targets(
    scope: TargetScope,
    from: number,
    to: number,
    limit: number,
  ): Promise<ConversationSummary[]> {
    return this.#query(async () => {
      const [lo, hi] = from <= to ? [from, to] : [to, from];
      const cmd = this.#link.cmd;
      const found: ConversationSummary[] = [];
      // the newest message inside the window: one stream seek per conversation
      const latestIn = async (conversation: string, target: string) => {
        const key = `${PREFIX}h:${conversation}`;
        const last = await cmd.xrevrange(key, `(${hi}-0`, `(${lo}-${MAX_SEQ}`, "COUNT", 1);
        const [newest] = last as Entry[];
        if (newest) found.push({ conversation, latest: position(newest[0])[0], target });
      };
      const asked = scope.channels.map(({ key, name }) => latestIn(key, name));
      if (scope.owner !== undefined) {
        const flat = await cmd.zrevrangebyscore(
          `${PREFIX}hto:${scope.owner}`,
          "+inf",
          `(${lo}`,
          "WITHSCORES",
          "LIMIT",
          0,
          TARGET_CANDIDATES,
        );
        const candidates: { conversation: string; latest: number }[] = [];
        for (let i = 0; i + 1 < flat.length; i += 2) {
          candidates.push({ conversation: flat[i]!, latest: Number(flat[i + 1]) });
        }
        const labels = candidates.length === 0
          ? []
          : await cmd.hmget(`${PREFIX}htn`, ...candidates.map((c) => c.conversation));
        candidates.forEach(({ conversation, latest }, i) => {
          const target = labels[i] ?? conversation;
          if (latest < hi) found.push({ conversation, latest, target });
          else asked.push(latestIn(conversation, target));
        });
      }
      await Promise.all(asked);
      found.sort((a, b) => b.latest - a.latest);
      return found.slice(0, limit);
    }, []);
  }

  /** A bounded scan, no index (redis_search.ts says what it costs). */
  search(scope: SearchScope, query: SearchQuery): Promise<StoredMessage[]> {
    return this.#query(() => searchRedis(this.#link.cmd, scope, query));
  }

  find(conversation: string, msgid: string): Promise<StoredMessage | undefined> {
    return this.#query(async () => {
      const id = await this.#idOf(conversation, msgid);
      if (id === undefined) return undefined;
      const [entry] = await this.#link.cmd.xrange(`${PREFIX}h:${conversation}`, id, id) as Entry[];
      return entry && toMessage(entry);
    }, undefined);
  }

  /** XDEL of each copy's stream entry and its msgid index entry (SEARCH scans the streams). */
  redact(conversations: string[], msgid: string): Promise<boolean> {
    return this.#query(async () => {
      for (const conversation of conversations) {
        const id = await this.#idOf(conversation, msgid);
        if (id === undefined) continue;
        await this.#link.cmd.xdel(`${PREFIX}h:${conversation}`, id);
        await this.#link.cmd.hdel(`${PREFIX}hi:${conversation}`, msgid);
      }
      return true;
    }, false);
  }

  forget(conversation: string): void {
    this.#hub.run("forget", [conversation]);
  }

  forgetOwner(owner: string): void {
    this.#hub.run("forgetOwner", [owner]);
  }

  async prune(policy: RetentionPolicy, now = Date.now()): Promise<number> {
    const cmd = this.#link.cmd;
    let deleted = 0;
    try {
      for (const conversation of await cmd.zrange(`${PREFIX}ht`, 0, -1)) {
        const key = `${PREFIX}h:${conversation}`, index = `${PREFIX}hi:${conversation}`;
        if (policy.maxAgeMs > 0) {
          deleted += await cmd.xtrim(key, "MINID", `${now - policy.maxAgeMs}-0`);
        }
        if (policy.maxPerConversation > 0) {
          deleted += await cmd.xtrim(key, "MAXLEN", policy.maxPerConversation);
        }
        const [first] = await cmd.xrange(key, "-", "+", "COUNT", 1) as Entry[];
        if (!first) {
          await cmd.del(key, index);
          await cmd.zrem(`${PREFIX}ht`, conversation);
          await cmd.hdel(`${PREFIX}htn`, conversation);
          const owner = ownerOf(conversation);
          if (owner !== undefined) await cmd.zrem(`${PREFIX}hto:${owner}`, conversation);
          continue;
        }
        const oldest = position(first[0]);
        const ids = await cmd.hgetall(index);
        const gone = Object.entries(ids)
          .filter(([, id]) => earlier(position(id), oldest))
          .map(([msgid]) => msgid);
        if (gone.length > 0) await cmd.hdel(index, ...gone);
      }
    } catch (err) {
      this.#log.warn(`history: pruning in Redis failed: ${errorMessage(err)}`);
    }
    return deleted;
  }

  async count(): Promise<number> {
    let n = 0;
    for (const conversation of await this.#link.cmd.zrange(`${PREFIX}ht`, 0, -1)) {
      n += await this.#link.cmd.xlen(`${PREFIX}h:${conversation}`);
    }
    return n;
  }

  /** Runs a query; with Redis away the answer is empty (and logged), not an error. */
  async #query<T>(run: () => Promise<T>, empty: T = [] as T): Promise<T> {
    try {
      return await run();
    } catch (err) {
      const why = isConnectionError(err) ? "Redis is unavailable" : errorMessage(err);
      this.#log.warn(`history: query failed: ${why}`);
      return empty;
    }
  }

  /** The stream id of a msgid, or undefined. */
  async #idOf(conversation: string, msgid: string): Promise<string | undefined> {
    return (await this.#link.cmd.hget(`${PREFIX}hi:${conversation}`, msgid)) ?? undefined;
  }

  /** An exclusive lower bound: messages strictly after `ref`. */
  async #lower(conversation: string, ref: MessageRef): Promise<string | undefined> {
    if (ref === "*") return "+";
    if ("time" in ref) return `(${ref.time}-${MAX_SEQ}`;
    const id = await this.#idOf(conversation, ref.msgid);
    return id === undefined ? undefined : `(${id}`;
  }

  /** An exclusive upper bound: messages strictly before `ref`. */
  async #upper(conversation: string, ref: MessageRef): Promise<string | undefined> {
    if (ref === "*") return "+";
    if ("time" in ref) return `(${ref.time}-0`;
    const id = await this.#idOf(conversation, ref.msgid);
    return id === undefined ? undefined : `(${id}`;
  }

  async #oldest(conversation: string, lo: string, hi: string, limit: number) {
    if (limit <= 0) return [];
    const key = `${PREFIX}h:${conversation}`;
    const entries = await this.#link.cmd.xrange(key, lo, hi, "COUNT", limit) as Entry[];
    return entries.map(toMessage);
  }

  async #newest(conversation: string, hi: string, lo: string, limit: number) {
    if (limit <= 0) return [];
    const key = `${PREFIX}h:${conversation}`;
    const entries = await this.#link.cmd.xrevrange(key, hi, lo, "COUNT", limit) as Entry[];
    return entries.map(toMessage).reverse();
  }
}

/** Accounts and registered channels in Redis. */
export class RedisAccounts implements AccountStore, ChannelRegistry {
  readonly #hub: ClusterHub;
  readonly #link: RedisLink;
  readonly #log: Logger;
  readonly #secrets: RedisAccountSecrets;

  constructor(hub: ClusterHub, link: RedisLink, log: Logger) {
    this.#hub = hub;
    this.#link = link;
    this.#log = log;
    this.#secrets = new RedisAccountSecrets(hub, link, log);
  }

  find(name: string): Account | undefined {
    return this.#hub.replica.accounts.get(foldCase(name));
  }

  async create(name: string, password: string, now = Date.now()): Promise<CreateAccountResult> {
    if (this.find(name)) return "exists";
    const r = await this.#hub.run("acctCreate", [
      foldCase(name),
      JSON.stringify({ name, created: now }),
      await storedSecretOf(password),
      name,
      now,
      this.#hub.node,
    ]);
    if (!r.ok) throw new RedisUnavailableError("the network is unavailable");
    if (r.value === 0) return "exists";
    await this.#hub.settled(r.value as number);
    return "created";
  }

  verify(name: string, password: string): Promise<Account | undefined> {
    return this.#secrets.check(foldCase(name), password);
  }

  setPassword(name: string, password: string): Promise<void> {
    return this.#secrets.setPassword(foldCase(name), password);
  }

  scramVerifier(name: string): Promise<ScramVerifier | undefined> {
    return this.#secrets.scramVerifier(foldCase(name));
  }

  async certAccount(fp: string): Promise<Account | undefined> {
    const owner = await this.#secrets.certOwner(fp);
    return owner === undefined ? undefined : this.find(owner);
  }

  addCert(name: string, fp: string): Promise<AddCertResult> {
    return this.#secrets.addCert(foldCase(name), fp);
  }

  deleteCert(name: string, fp: string): Promise<boolean> {
    return this.#secrets.deleteCert(foldCase(name), fp);
  }

  certs(name: string): Promise<string[]> {
    return this.#secrets.certs(foldCase(name));
  }

  async dropAccount(name: string): Promise<void> {
    const r = await this.#hub.run("acctDrop", [foldCase(name), name, this.#hub.node]);
    if (!r.ok) throw new RedisUnavailableError("the network is unavailable");
    if ((r.value as number) > 0) await this.#hub.settled(r.value as number);
  }

  load(name: string): RegisteredChannel | undefined {
    return this.#hub.replica.registry.get(foldCase(name));
  }

  save(channel: RegisteredChannel): void {
    this.#link.cmd.hset(`${PREFIX}reg`, foldCase(channel.name), JSON.stringify(channel))
      .catch((err) => this.#log.warn(`registry: ${errorMessage(err)}`));
  }

  dropChannel(name: string): void {
    this.#link.cmd.hdel(`${PREFIX}reg`, foldCase(name))
      .catch((err) => this.#log.warn(`registry: ${errorMessage(err)}`));
  }
}

/** Read markers in Redis: a hash per account (`rm:<account>`), dropped with the account. */
export class RedisReadMarkers implements ReadMarkers {
  readonly #hub: ClusterHub;
  readonly #link: RedisLink;

  constructor(hub: ClusterHub, link: RedisLink) {
    this.#hub = hub;
    this.#link = link;
  }

  async get(account: string, target: string): Promise<number | undefined> {
    const time = await this.#link.cmd.hget(`${PREFIX}rm:${account}`, target);
    return time === null ? undefined : Number(time);
  }

  async set(account: string, target: string, time: number): Promise<number | undefined> {
    const r = await this.#hub.run("markRead", [account, target, time, MAX_MARKERS_PER_ACCOUNT]);
    if (!r.ok) throw new RedisUnavailableError("the network is unavailable");
    const kept = Number(r.value);
    return kept < 0 ? undefined : kept;
  }
}

/** Always-on users and choices in Redis: hashes `ao` and `aochoice`, dropped with the account. */
export class RedisAlwaysOn implements AlwaysOnStore {
  readonly #link: RedisLink;
  readonly #log: Logger;

  constructor(link: RedisLink, log: Logger) {
    this.#link = link;
    this.#log = log;
  }

  save(record: AlwaysOnRecord): void {
    this.#link.cmd.hset(`${PREFIX}ao`, foldCase(record.account), JSON.stringify(record))
      .catch((err) => this.#log.warn(`always-on: ${errorMessage(err)}`));
  }

  forget(account: string): void {
    this.#link.cmd.hdel(`${PREFIX}ao`, foldCase(account))
      .catch((err) => this.#log.warn(`always-on: ${errorMessage(err)}`));
  }

  async all(): Promise<AlwaysOnRecord[]> {
    const records = await this.#link.cmd.hvals(`${PREFIX}ao`);
    return records.map((r) => JSON.parse(r) as AlwaysOnRecord);
  }

  async choice(account: string): Promise<boolean | undefined> {
    const value = await this.#link.cmd.hget(`${PREFIX}aochoice`, foldCase(account));
    return value === null ? undefined : value === "1";
  }

  async setChoice(account: string, on: boolean): Promise<void> {
    await this.#link.cmd.hset(`${PREFIX}aochoice`, foldCase(account), on ? "1" : "0");
  }
}

/** The stores of a cluster node; closing them makes the node leave the network. */
export function clusterStores(hub: ClusterHub, link: RedisLink, log: Logger): Stores {
  const history = new RedisHistory(hub, link, log);
  const accounts = new RedisAccounts(hub, link, log);
  return {
    history,
    accounts,
    channels: accounts,
    readMarkers: new RedisReadMarkers(hub, link),
    alwaysOn: new RedisAlwaysOn(link, log),
    // a PONG waits until Redis has answered everything queued before it (dropped ops were told)
    durable: () => {
      const drained = hub.drained();
      return drained ? drained.then(() => true) : true;
    },
    writeProblem: () => link.up ? undefined : `Redis at ${link.where} unreachable`,
    close: () => hub.close(),
  };
}
