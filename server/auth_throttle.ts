/**
 * Throttles what makes the server hash a password (scrypt, ~50 ms of a worker thread each) and
 * what an attacker would repeat: password checks (SASL, NickServ IDENTIFY/GHOST/DROP, OPER) and
 * account registration. A source is an IP address (an IPv6 client's /64, which one subscriber
 * usually holds whole).
 *
 * - Per account and source: 5 checks at once, then one every 12 s. Someone guessing alice's
 *   password spends only their own source's budget: alice, from anywhere else, still logs in.
 * - Per source: 10 checks at once, then 6 a minute, whichever accounts they name (password
 *   spraying). A check that succeeds gives its tokens back: only failures wear budgets down.
 * - Per connection: the 10th failed or refused check closes it.
 * - Per source, account registrations: 3 at once, then 6 an hour.
 *
 * Exempt ranges (loopback by default: bouncers and bridges speak for many people) skip the two
 * per-source budgets, not the per-account and per-connection ones.
 *
 * @module
 */

import { foldCase } from "../protocol/casemap.ts";
import { type Cidr, cidrContains, parseIp } from "./cidr.ts";
import { TokenBucket } from "../util/token_bucket.ts";

/** The budgets; the defaults are above, tests may shrink them. */
export interface AuthRules {
  perAccountBurst: number;
  perAccountPerSecond: number;
  perSourceBurst: number;
  perSourcePerSecond: number;
  failuresPerConnection: number;
  registrationBurst: number;
  registrationsPerSecond: number;
}

/** What the module doc says. */
export const DEFAULT_AUTH_RULES: AuthRules = {
  perAccountBurst: 5,
  perAccountPerSecond: 1 / 12,
  perSourceBurst: 10,
  perSourcePerSecond: 6 / 60,
  failuresPerConnection: 10,
  registrationBurst: 3,
  registrationsPerSecond: 6 / 3600,
};

/** Who asks: one connection (the object identifies it) from one address. */
export interface Requester {
  readonly hostname: string;
}

/** A password check under way: the budgets it took from, given back if it succeeds. */
export interface CheckPermit {
  readonly requester: Requester;
  readonly buckets: readonly TokenBucket[];
}

/** Why a check may not run: budget spent, or this was the connection's last failure. */
export type CheckRefusal = "throttled" | "close";

/** Past this many remembered keys, inserting sweeps recovered ones (at most once a second). */
const SWEEP_AT = 10_000;

/** Token buckets by key, forgotten once full again so memory follows recent activity only. */
class BucketTable {
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #capacity: number;
  readonly #perSecond: number;
  #lastSweep = -Infinity;

  constructor(capacity: number, perSecond: number) {
    this.#capacity = capacity;
    this.#perSecond = perSecond;
  }

  get(key: string, now: number): TokenBucket {
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size >= SWEEP_AT && now - this.#lastSweep >= 1000) this.sweep(now);
      bucket = new TokenBucket(this.#capacity, this.#perSecond, now);
      this.#buckets.set(key, bucket);
    }
    return bucket;
  }

  sweep(now: number): void {
    this.#lastSweep = now;
    for (const [key, bucket] of this.#buckets) if (bucket.isFull(now)) this.#buckets.delete(key);
  }

  get size(): number {
    return this.#buckets.size;
  }
}

/** The source an address counts as: the address itself, or an IPv6 address's /64. */
export function sourceOf(ip: string): string {
  const bytes = parseIp(ip);
  if (!bytes) return ip;
  if (bytes.length === 4) return bytes.join(".");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const groups: string[] = [];
  for (let i = 0; i < 8; i += 2) groups.push(view.getUint16(i).toString(16));
  return `${groups.join(":")}::/64`;
}

/** Every authentication budget of the server, in one place. */
export class AuthThrottle {
  readonly #rules: AuthRules;
  readonly #exempt: readonly Cidr[];
  readonly #perAccount: BucketTable;
  readonly #perSource: BucketTable;
  readonly #registrations: BucketTable;
  /** Failed or refused checks per connection; gone with the connection. */
  readonly #failures = new WeakMap<Requester, number>();

  constructor(exempt: readonly Cidr[], rules: AuthRules = DEFAULT_AUTH_RULES) {
    this.#rules = rules;
    this.#exempt = exempt;
    this.#perAccount = new BucketTable(rules.perAccountBurst, rules.perAccountPerSecond);
    this.#perSource = new BucketTable(rules.perSourceBurst, rules.perSourcePerSecond);
    this.#registrations = new BucketTable(rules.registrationBurst, rules.registrationsPerSecond);
  }

  #isExempt(ip: string): boolean {
    const bytes = parseIp(ip);
    return bytes !== undefined && this.#exempt.some((range) => cidrContains(range, bytes));
  }

  /**
   * Before hashing a password for `subject` (an account, or `oper NAME`): a permit, or why not.
   * Unknown accounts are counted like known ones, so the answers tell nothing about which exist.
   */
  beginCheck(requester: Requester, subject: string, now = Date.now()): CheckPermit | CheckRefusal {
    const source = sourceOf(requester.hostname);
    const buckets: TokenBucket[] = [];
    const wanted = [this.#perAccount.get(`${foldCase(subject)} ${source}`, now)];
    if (!this.#isExempt(requester.hostname)) wanted.push(this.#perSource.get(source, now));
    for (const bucket of wanted) {
      if (bucket.take(now) > 0) {
        for (const taken of buckets) taken.refund();
        return this.#fail(requester) ? "close" : "throttled";
      }
      buckets.push(bucket);
    }
    return { requester, buckets };
  }

  /** The password was right: the check costs no budget. */
  succeeded(permit: CheckPermit): void {
    for (const bucket of permit.buckets) bucket.refund();
  }

  /** The password was wrong; true when the connection has now failed too often to stay. */
  failed(permit: CheckPermit): boolean {
    return this.#fail(permit.requester);
  }

  #fail(requester: Requester): boolean {
    const failures = (this.#failures.get(requester) ?? 0) + 1;
    this.#failures.set(requester, failures);
    return failures >= this.#rules.failuresPerConnection;
  }

  /** Takes a registration from the requester's source budget: false when it is spent. */
  allowRegistration(requester: Requester, now = Date.now()): boolean {
    if (this.#isExempt(requester.hostname)) return true;
    return this.#registrations.get(sourceOf(requester.hostname), now).take(now) === 0;
  }

  /** Forgets budgets that are full again; the server's tick calls it. */
  sweep(now = Date.now()): void {
    this.#perAccount.sweep(now);
    this.#perSource.sweep(now);
    this.#registrations.sweep(now);
  }

  /** Budgets remembered (for tests: memory stays bounded). */
  get size(): number {
    return this.#perAccount.size + this.#perSource.size + this.#registrations.size;
  }
}
