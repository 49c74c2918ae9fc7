/**
 * SEARCH (soju.im/search) over the cluster's Redis history, which has no text index: a bounded
 * scan. Each conversation the asker may read (their channels, or the one asked for, and the 200
 * private conversations they wrote in last) is read newest first (XREVRANGE, or oldest first from
 * `after`) inside the asked time window, and its entries are matched here: every word as a
 * case-insensitive substring, the sender by the casemap.
 *
 * Cost: at most REDIS_SEARCH_ENTRIES stream entries read from Redis and parsed per search, spread
 * over the conversations (at least `limit` each), one round trip per conversation. Matches older
 * than what was read are not found: in a busy channel only its recent past is searched, where the
 * SQLite store's full-text index finds the newest 20,000 matches of the whole history.
 *
 * @module
 */

import type { Redis } from "ioredis";
import { sameName } from "../../protocol/casemap.ts";
import type { SearchQuery, SearchScope, StoredMessage } from "../store/history.ts";
import { containsWords } from "../store/search_text.ts";
import { firstField } from "../../util/text.ts";
import { storedMessageOf } from "./records.ts";
import { PREFIX } from "./scripts.ts";

/** Stream entries one search reads, at most (see module doc). */
export const REDIS_SEARCH_ENTRIES = 5_000;
/** Private conversations a search looks into, at most (the most recent ones). */
const PRIVATE_CANDIDATES = 200;
const MAX_SEQ = "18446744073709551615";

/** A stream entry as ioredis returns it. */
type Entry = [string, string[]];

/** True when a message meets the query's words and sender (the window is Redis's). */
function matches(m: StoredMessage, query: SearchQuery): boolean {
  if (query.from !== undefined && !sameName(firstField(m.source, "!"), query.from)) return false;
  return query.words === undefined || containsWords(m.text, query.words);
}

/** See `HistoryStore.search`: the scope's messages matching the query, oldest first. */
export async function searchRedis(
  cmd: Redis,
  scope: SearchScope,
  query: SearchQuery,
): Promise<StoredMessage[]> {
  if (query.limit <= 0) return [];
  const conversations = [...scope.conversations];
  if (scope.owner !== undefined) {
    const key = `${PREFIX}hto:${scope.owner}`;
    conversations.push(...await cmd.zrevrange(key, 0, PRIVATE_CANDIDATES - 1));
  }
  if (conversations.length === 0) return [];
  const each = Math.max(query.limit, Math.ceil(REDIS_SEARCH_ENTRIES / conversations.length));
  const hi = query.before === undefined ? "+" : `${query.before}-${MAX_SEQ}`;
  const lo = query.after === undefined ? "-" : `${query.after}-0`;
  const oldest = query.after !== undefined;
  const found: StoredMessage[] = [];
  await Promise.all(conversations.map(async (conversation) => {
    const key = `${PREFIX}h:${conversation}`;
    const entries = (oldest
      ? await cmd.xrange(key, lo, hi, "COUNT", each)
      : await cmd.xrevrange(key, hi, lo, "COUNT", each)) as Entry[];
    let kept = 0;
    for (const [, fields] of entries) {
      const m = storedMessageOf(fields);
      if (!matches(m, query)) {
        continue;
      }
      found.push(m);
      if (++kept >= query.limit) {
        break;
      }
    }
  }));
  found.sort((a, b) => a.time - b.time);
  return oldest ? found.slice(0, query.limit) : found.slice(-query.limit);
}
