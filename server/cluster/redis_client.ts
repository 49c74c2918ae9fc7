/**
 * The node's two connections to Redis (commands, and pub/sub), over `ioredis`: reconnection with
 * capped exponential backoff, one log line when Redis goes away and one when it is back, and
 * none of the client's own recovery: no offline queue, no automatic re-subscription and no
 * re-sending of commands cut off by a disconnection. The cluster hub does those itself, in the
 * order its resynchronization needs (subscribe, re-assert, snapshot, then replay its queue).
 *
 * @module
 */

import { Redis, type RedisOptions } from "ioredis";
import { backoffDelay, type BackoffPolicy } from "../../util/backoff.ts";
import type { Logger } from "../log.ts";
import { type ScriptName, SCRIPTS } from "./scripts.ts";
import { errorMessage } from "../../util/error_message.ts";

/** Where Redis is: `redis://[user:password@]host:port[/db]`. */
export interface RedisTarget {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
}

/** Redis could not be reached or the node could not synchronize with it. */
export class RedisUnavailableError extends Error {
  override readonly name = "RedisUnavailableError";
}

/** Why a `--cluster` address was refused. */
export class ClusterUrlError extends Error {
  override readonly name = "ClusterUrlError";
}

/** Parses `redis://host:port[/db]`; throws `ClusterUrlError`. */
export function parseRedisUrl(text: string): RedisTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ClusterUrlError(`not a URL: ${text} (expected redis://host:port[/db])`);
  }
  if (url.protocol !== "redis:") {
    throw new ClusterUrlError(`only redis:// is supported, not ${url.protocol}//`);
  }
  const db = url.pathname === "" || url.pathname === "/" ? 0 : Number(url.pathname.slice(1));
  if (!Number.isInteger(db) || db < 0 || db > 15) {
    throw new ClusterUrlError(`bad database number in ${text}`);
  }
  if (!url.hostname) throw new ClusterUrlError(`no host in ${text}`);
  return {
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port === "" ? 6379 : Number(url.port),
    db,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
  };
}

/** 100 ms doubling to 5 s, ±20%: Redis is usually back within seconds, and nodes spread out. */
const REDIS_BACKOFF: BackoffPolicy = { initialMs: 100, maxMs: 5000, jitter: 0.2, jitterLater: 0.2 };

/** Backoff before reconnection attempt `n` (1-based, as ioredis counts). */
export function reconnectDelay(n: number, random = Math.random): number {
  return backoffDelay(n - 1, REDIS_BACKOFF, random());
}

/** What the link reports to its owner. */
export interface LinkEvents {
  /** A message on a subscribed pub/sub channel. */
  message(channel: string, text: string): void;
  /** Both connections are ready again after being down (or for the first time). */
  up(): void;
  /** One of the connections was lost. */
  down(): void;
}

/** True when an error means "the connection is gone" rather than "the command failed". */
export function isConnectionError(err: unknown): boolean {
  const text = errorMessage(err);
  return /Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|EPIPE|socket|closed|write after end|LOADING/i
    .test(text);
}

type ScriptFn = (...args: (string | number)[]) => Promise<unknown>;

/** Two ioredis connections and the scripts defined on the command one. */
export class RedisLink {
  readonly cmd: Redis;
  readonly sub: Redis;
  readonly #log: Logger;
  readonly #events: LinkEvents;
  readonly #where: string;
  #up = false;
  #closing = false;
  #downSince = 0;

  constructor(target: RedisTarget, log: Logger, events: LinkEvents) {
    this.#log = log;
    this.#events = events;
    this.#where = `${target.host}:${target.port}/${target.db}`;
    const options: RedisOptions = {
      host: target.host,
      port: target.port,
      db: target.db,
      username: target.username,
      password: target.password,
      lazyConnect: true,
      enableOfflineQueue: false,
      autoResubscribe: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      enableAutoPipelining: true,
      connectTimeout: 2000,
      retryStrategy: (times) => this.#closing ? null : reconnectDelay(times),
    };
    this.cmd = new Redis(options);
    this.sub = new Redis({ ...options, enableAutoPipelining: false });
    for (const [name, body] of Object.entries(SCRIPTS)) {
      // prefixed: ioredis has members of its own called `mode`, `quit`…
      this.cmd.defineCommand(`chat_${name}`, { numberOfKeys: 0, lua: body });
    }
    this.sub.on("message", (channel: string, text: string) => events.message(channel, text));
    for (const conn of [this.cmd, this.sub]) {
      conn.on("error", (err: Error) => {
        if (this.#up || this.#downSince === 0) this.#log.debug(`cluster: redis: ${err.message}`);
      });
      conn.on("close", () => this.#check());
      conn.on("ready", () => this.#check());
    }
  }

  /** Where Redis is, for logs. */
  get where(): string {
    return this.#where;
  }

  /** Both connections are ready. */
  get up(): boolean {
    return this.#up;
  }

  /** Connects both; rejects if Redis cannot be reached within `timeoutMs`. */
  async connect(timeoutMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new RedisUnavailableError(`cannot reach Redis at ${this.#where}`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([Promise.all([this.cmd.connect(), this.sub.connect()]), timeout]);
    } catch (err) {
      this.close();
      if (err instanceof RedisUnavailableError) throw err;
      throw new RedisUnavailableError(
        `cannot reach Redis at ${this.#where}: ${errorMessage(err)}`,
      );
    } finally {
      clearTimeout(timer);
    }
    this.#check();
  }

  /** Runs one of the cluster scripts. */
  script(name: ScriptName, args: (string | number)[]): Promise<unknown> {
    const fn = (this.cmd as unknown as Record<string, ScriptFn | undefined>)[`chat_${name}`];
    if (!fn) return Promise.reject(new Error(`cluster script ${name} is not loaded`));
    return fn.apply(this.cmd, args);
  }

  /**
   * Loads every script into Redis's script cache (empty after a restart), so pipelined calls
   * never meet NOSCRIPT.
   */
  async loadScripts(): Promise<void> {
    await Promise.all(Object.values(SCRIPTS).map((body) => this.cmd.script("LOAD", body)));
  }

  /** Closes both connections without reconnecting. */
  close(): void {
    this.#closing = true;
    this.cmd.disconnect();
    this.sub.disconnect();
  }

  #check(): void {
    const up = this.cmd.status === "ready" && this.sub.status === "ready";
    if (up === this.#up || this.#closing) return;
    this.#up = up;
    if (up) {
      const outage = this.#downSince ? ` after ${Date.now() - this.#downSince} ms` : "";
      this.#log.info(`cluster: connected to Redis at ${this.#where}${outage}`);
      this.#downSince = 0;
      this.#events.up();
    } else {
      this.#downSince = Date.now();
      this.#log.warn(
        `cluster: lost Redis at ${this.#where}; serving local users, reconnecting with backoff`,
      );
      this.#events.down();
    }
  }
}
