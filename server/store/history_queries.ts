/**
 * The read side of SQLite history: CHATHISTORY's queries as index seeks over (conversation, time,
 * id), and TARGETS from the asker's own conversations only (one seek each). The writer commits
 * what is queued before each read (sqlite_history.ts).
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { msgidTime } from "../msgid.ts";
import type { ConversationSummary, MessageRef, StoredMessage, TargetScope } from "./history.ts";

/** A `messages` row as read (history_search.ts reads the same columns). */
export interface Row {
  id: number;
  msgid: string;
  time: number;
  conversation: string;
  target: string;
  source: string;
  account: string | null;
  command: string;
  text: string;
  tags: string | null;
}

/** A position in the (time, id) order messages are kept in. */
interface Position {
  time: number;
  id: number;
}

/** The columns a `Row` holds. */
export const COLUMNS =
  "id, msgid, time, conversation, target, source, account, command, text, tags";
const START: Position = { time: -Infinity, id: -Infinity };
const END: Position = { time: Infinity, id: Infinity };

/** Conversations remembered as empty, at most. */
const EMPTY_KEPT = 10_000;

/** Private conversations TARGETS looks into, at most (each one index seek). */
const TARGET_CANDIDATES = 2000;

/** SQLite has no infinities for integer ids: clamp to the widest safe values. */
function sqlId(id: number): number {
  return id === Infinity ? Number.MAX_SAFE_INTEGER : id === -Infinity ? -1 : id;
}

/** A row as the message handlers see. */
export function toMessage(r: Row): StoredMessage {
  const m: StoredMessage = {
    msgid: r.msgid,
    time: r.time,
    target: r.target,
    source: r.source,
    command: r.command as StoredMessage["command"],
    text: r.text,
  };
  if (r.account !== null) m.account = r.account;
  if (r.tags !== null) m.tags = JSON.parse(r.tags);
  return m;
}

/** Prepared reads of one history database. */
export class HistoryQueries {
  /**
   * Conversations found to have no messages at all, until one is appended: joining a channel
   * nobody spoke in (every join in a join storm replays history) then needs no query.
   */
  readonly #empty = new Set<string>();
  readonly #byMsgid: StatementSync;
  readonly #messageByMsgid: StatementSync;
  readonly #rangeAsc: StatementSync;
  readonly #rangeDesc: StatementSync;
  readonly #latestIn: StatementSync;
  readonly #privateOfOwner: StatementSync;

  constructor(db: DatabaseSync) {
    // msgids carry their time (see msgid.ts): the conversation index finds them
    this.#byMsgid = db.prepare(
      `SELECT id, time FROM messages WHERE conversation = ? AND time = ? AND msgid = ?`,
    );
    this.#messageByMsgid = db.prepare(
      `SELECT ${COLUMNS} FROM messages WHERE conversation = ? AND time = ? AND msgid = ?`,
    );
    // Messages strictly between two (time, id) positions.
    const range = `SELECT ${COLUMNS} FROM messages WHERE conversation = ?
      AND (time > ? OR (time = ? AND id > ?)) AND (time < ? OR (time = ? AND id < ?))`;
    this.#rangeAsc = db.prepare(`${range} ORDER BY time ASC, id ASC LIMIT ?`);
    this.#rangeDesc = db.prepare(`${range} ORDER BY time DESC, id DESC LIMIT ?`);
    // one index seek per conversation: TARGETS never scans messages
    this.#latestIn = db.prepare(
      `SELECT time FROM messages WHERE conversation = ? AND time > ? AND time < ?
       ORDER BY time DESC LIMIT 1`,
    );
    this.#privateOfOwner = db.prepare(
      `SELECT conversation, target, latest FROM private_conversations
       WHERE owner = ? AND latest > ? ORDER BY latest DESC LIMIT ?`,
    );
  }

  /** A message is being appended to `conversation`: it is no longer known empty. */
  written(conversation: string): void {
    this.#empty.delete(conversation);
  }

  /** False when `latest(conversation, after)` is known to find nothing (no query, no commit). */
  mayHave(conversation: string, after: MessageRef): boolean {
    return after !== "*" || !this.#empty.has(conversation);
  }

  /**
   * Where a reference points, as a bound that excludes it. A msgid is the message itself; a
   * timestamp sits between messages, and `side` says whether messages at exactly that time count
   * as after it ("after": bound above them) or before it ("before": bound below them).
   */
  #bound(conversation: string, ref: MessageRef, side: "after" | "before"): Position | undefined {
    if (ref === "*") return END;
    if ("time" in ref) return { time: ref.time, id: side === "after" ? Infinity : -Infinity };
    const time = msgidTime(ref.msgid);
    if (time === undefined) return undefined;
    const row = this.#byMsgid.get(conversation, time, ref.msgid) as Position | undefined;
    return row && { time: row.time, id: row.id };
  }

  /** The message `msgid` of a conversation (one index seek: msgids carry their time). */
  find(conversation: string, msgid: string): StoredMessage | undefined {
    const time = msgidTime(msgid);
    if (time === undefined) return undefined;
    const row = this.#messageByMsgid.get(conversation, time, msgid) as Row | undefined;
    return row && toMessage(row);
  }

  /** Messages strictly between `lo` and `hi`: the oldest `limit`, or the newest `limit`. */
  #range(
    conversation: string,
    lo: Position,
    hi: Position,
    limit: number,
    take: "oldest" | "newest",
  ): StoredMessage[] {
    if (limit <= 0) return [];
    const stmt = take === "oldest" ? this.#rangeAsc : this.#rangeDesc;
    const rows = stmt.all(
      conversation,
      lo.time,
      lo.time,
      sqlId(lo.id),
      hi.time,
      hi.time,
      sqlId(hi.id),
      limit,
    ) as unknown as Row[];
    const messages = rows.map(toMessage);
    return take === "newest" ? messages.reverse() : messages;
  }

  /** The newest messages (after `after`), remembering a conversation found empty. */
  latest(conversation: string, after: MessageRef, limit: number): StoredMessage[] {
    const lo = after === "*" ? START : this.#bound(conversation, after, "after");
    const found = lo ? this.#range(conversation, lo, END, limit, "newest") : [];
    if (after === "*" && found.length === 0 && limit > 0) {
      if (this.#empty.size >= EMPTY_KEPT) this.#empty.clear(); // channels made up by the thousand
      this.#empty.add(conversation);
    }
    return found;
  }

  before(conversation: string, ref: MessageRef, limit: number): StoredMessage[] {
    const hi = this.#bound(conversation, ref, "before");
    return hi ? this.#range(conversation, START, hi, limit, "newest") : [];
  }

  after(conversation: string, ref: MessageRef, limit: number): StoredMessage[] {
    const lo = this.#bound(conversation, ref, "after");
    return lo ? this.#range(conversation, lo, END, limit, "oldest") : [];
  }

  around(conversation: string, ref: MessageRef, limit: number): StoredMessage[] {
    const at = this.#bound(conversation, ref, "before");
    if (!at) return [];
    const before = this.#range(conversation, START, at, Math.floor(limit / 2), "newest");
    // from the reference on, the referenced message itself included
    const from = { time: at.time, id: at.id === -Infinity ? -Infinity : at.id - 1 };
    return [...before, ...this.#range(conversation, from, END, limit - before.length, "oldest")];
  }

  between(conversation: string, from: MessageRef, to: MessageRef, limit: number): StoredMessage[] {
    const a = this.#bound(conversation, from, "after");
    const b = this.#bound(conversation, to, "before");
    if (!a || !b) return [];
    if (a.time < b.time || (a.time === b.time && a.id < b.id)) {
      return this.#range(conversation, a, b, limit, "oldest");
    }
    // `from` is the later one: the `limit` messages just before it, down to `to`
    const hi = this.#bound(conversation, from, "before")!;
    const lo = this.#bound(conversation, to, "after")!;
    return this.#range(conversation, lo, hi, limit, "newest");
  }

  targets(scope: TargetScope, from: number, to: number, limit: number): ConversationSummary[] {
    const [lo, hi] = from <= to ? [from, to] : [to, from];
    const found: ConversationSummary[] = [];
    const latestIn = (conversation: string, target: string) => {
      const row = this.#latestIn.get(conversation, lo, hi) as { time: number } | undefined;
      if (row) found.push({ conversation, latest: row.time, target });
    };
    for (const { key, name } of scope.channels) latestIn(key, name);
    if (scope.owner !== undefined) {
      const rows = this.#privateOfOwner.all(scope.owner, lo, TARGET_CANDIDATES) as {
        conversation: string;
        target: string;
        latest: number;
      }[];
      for (const r of rows) {
        if (r.latest < hi) {
          found.push({ conversation: r.conversation, latest: r.latest, target: r.target });
        } else latestIn(r.conversation, r.target);
      }
    }
    found.sort((a, b) => b.latest - a.latest);
    return found.slice(0, limit);
  }
}
