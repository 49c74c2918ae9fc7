/**
 * SEARCH (soju.im/search) over SQLite history. Words go through the FTS5 index `messages_fts`
 * (database.ts migration 6; triggers keep it equal to `messages` on every insert and deletion,
 * so pruned and forgotten messages are never found); a search without words walks the asked
 * conversations newest first by their index.
 *
 * What one search may cost is bounded, whoever asks: a search by words looks at the newest
 * SEARCH_WINDOW messages holding them in the whole store (then keeps those the asker may read),
 * and a search without words at about WALK_WINDOW messages across the asker's conversations.
 * Older matches beyond that window are not found. Measured with 300,000 stored messages (in
 * 100 channels): a word in every message 14 ms, a word in one message of 1,000 1.4 ms, two
 * words 3.8 ms, a sender who never spoke in 3 channels (no words) 26 ms. The index is not free: a stored message cost 31 µs to commit instead of 9.4 µs
 * (each has a word no other has: the index's worst case), a pruned one 77 instead of 57 µs.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { sameName } from "../../protocol/casemap.ts";
import { firstField } from "../../util/text.ts";
import type { SearchQuery, SearchScope, StoredMessage } from "./history.ts";
import { COLUMNS, type Row, toMessage } from "./history_queries.ts";
import { ftsMatch } from "./search_text.ts";

/** Messages one search looks at, at most (see module doc). */
export const SEARCH_WINDOW = 20_000;

/** Messages a search without words reads, at most, spread over its conversations. */
export const WALK_WINDOW = 5_000;

/** Private conversations a search without words walks, at most (the most recent ones). */
const PRIVATE_CANDIDATES = 200;

/**
 * A LIKE pattern (escape `\`) for sources (`nick!user@host`) whose nick may be `nick` under the
 * rfc1459 casemap: LIKE folds ASCII letters only, so the characters the casemap also folds
 * (`[]\^` and `{}|~`) match any one character, and the exact test follows (`sentBy`).
 */
export function fromPattern(nick: string): string {
  let pattern = "";
  for (const c of nick) {
    if ("[]\\^{}|~".includes(c)) pattern += "_";
    else if (c === "%" || c === "_") pattern += `\\${c}`;
    else pattern += c;
  }
  return `${pattern}!%`;
}

/** True when a message's source is `nick` (the exact test after `fromPattern`). */
function sentBy(m: StoredMessage, nick: string | undefined): boolean {
  return nick === undefined || sameName(firstField(m.source, "!"), nick);
}

/** The key range `[lo, hi)` holding an owner's private conversations (`~owner peer`). */
function ownerRange(owner: string | undefined): [string, string] {
  // keys are `~owner peer`: a space ends the owner id, and "!" sorts right after the space
  return owner === undefined ? ["", ""] : [`~${owner} `, `~${owner}!`];
}

/** Prepared searches of one history database. */
export class HistorySearch {
  readonly #byWords: Record<"newest" | "oldest", StatementSync>;
  readonly #inConversation: Record<"newest" | "oldest", StatementSync>;
  readonly #privateOfOwner: StatementSync;

  constructor(db: DatabaseSync) {
    // CROSS JOIN: the FTS window drives, each hit one rowid lookup in messages
    const words = (order: string) =>
      db.prepare(
        `SELECT ${COLUMNS.split(", ").map((c) => `m.${c}`).join(", ")} FROM
           (SELECT rowid AS hit FROM messages_fts WHERE messages_fts MATCH ?
            ORDER BY rowid DESC LIMIT ${SEARCH_WINDOW})
         CROSS JOIN messages AS m ON m.id = hit
         WHERE (m.conversation IN (SELECT value FROM json_each(?))
                OR (m.conversation >= ? AND m.conversation < ?))
           AND m.time >= ? AND m.time <= ? AND m.source LIKE ? ESCAPE '\\'
         ORDER BY m.time ${order}, m.id ${order} LIMIT ?`,
      );
    this.#byWords = { newest: words("DESC"), oldest: words("ASC") };
    const walk = (order: string) =>
      db.prepare(
        `SELECT * FROM (SELECT ${COLUMNS} FROM messages WHERE conversation = ?
           AND time >= ? AND time <= ? ORDER BY time ${order}, id ${order} LIMIT ?)
         WHERE source LIKE ? ESCAPE '\\' ORDER BY time ${order}, id ${order} LIMIT ?`,
      );
    this.#inConversation = { newest: walk("DESC"), oldest: walk("ASC") };
    this.#privateOfOwner = db.prepare(
      `SELECT conversation FROM private_conversations WHERE owner = ?
       ORDER BY latest DESC LIMIT ${PRIVATE_CANDIDATES}`,
    );
  }

  /** See `HistoryStore.search`. */
  search(scope: SearchScope, query: SearchQuery): StoredMessage[] {
    if (query.limit <= 0) return [];
    const take = query.after === undefined ? "newest" : "oldest";
    const lo = query.after ?? 0;
    const hi = query.before ?? Number.MAX_SAFE_INTEGER;
    const like = query.from === undefined ? "%" : fromPattern(query.from);
    let found: StoredMessage[];
    if (query.words !== undefined && query.words.length > 0) {
      const [from, to] = ownerRange(scope.owner);
      const rows = this.#byWords[take].all(
        ftsMatch(query.words),
        JSON.stringify(scope.conversations),
        from,
        to,
        lo,
        hi,
        like,
        query.limit,
      ) as unknown as Row[];
      found = rows.map(toMessage);
    } else {
      found = this.#walk(scope, take, lo, hi, like, query.limit);
    }
    if (take === "newest") found.reverse();
    return found.filter((m) => sentBy(m, query.from));
  }

  /**
   * A search without words: each conversation by its index, about WALK_WINDOW rows in all;
   * in the order `take` says (newest first, or oldest first).
   */
  #walk(
    scope: SearchScope,
    take: "newest" | "oldest",
    lo: number,
    hi: number,
    like: string,
    limit: number,
  ): StoredMessage[] {
    const conversations = [...scope.conversations];
    if (scope.owner !== undefined) {
      const rows = this.#privateOfOwner.all(scope.owner) as { conversation: string }[];
      for (const { conversation } of rows) conversations.push(conversation);
    }
    const scan = Math.max(limit, Math.ceil(WALK_WINDOW / Math.max(1, conversations.length)));
    const found: StoredMessage[] = [];
    for (const conversation of conversations) {
      const rows = this.#inConversation[take].all(conversation, lo, hi, scan, like, limit);
      for (const row of rows as unknown as Row[]) found.push(toMessage(row));
    }
    found.sort((a, b) => take === "newest" ? b.time - a.time : a.time - b.time);
    return found.slice(0, limit);
  }
}
