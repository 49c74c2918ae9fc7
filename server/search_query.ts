/**
 * The attributes of `SEARCH` (soju.im/search): `key=value` pairs separated by `;`, values escaped
 * as message-tag values (`\s` for a space, `\:` for `;`). Pure parsing: who may read what is the
 * command's (commands/search.ts).
 *
 * @module
 */

import { unescapeTagValue } from "../protocol/message.ts";
import { searchWords } from "./store/search_text.ts";

/** Results when the client names no limit (before the server's history query limit). */
export const DEFAULT_SEARCH_LIMIT = 100;

/** A parsed SEARCH; `in` is still a name (a channel or a nick), resolved by the command. */
export interface SearchRequest {
  words?: string[];
  in?: string;
  from?: string;
  after?: number;
  before?: number;
  limit: number;
}

/** Why a SEARCH was refused: the attribute at fault (for the FAIL's context) and a sentence. */
export interface SearchProblem {
  attribute: string;
  problem: string;
}

const SERVER_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,3})?Z$/;

/** A server-time timestamp (`2026-01-02T03:04:05.678Z`) in ms, or undefined. */
function parseTime(value: string): number | undefined {
  const time = SERVER_TIME.test(value) ? Date.parse(value) : NaN;
  return Number.isFinite(time) ? time : undefined;
}

/**
 * Parses SEARCH's attributes; `maxLimit` is the server's history query limit, which a larger
 * asked limit is cut to (as CHATHISTORY does). Unknown attributes, empty values, a repeated
 * attribute, a bad timestamp or limit, and text without words are problems.
 */
export function parseSearch(attributes: string, maxLimit: number): SearchRequest | SearchProblem {
  const request: SearchRequest = { limit: Math.min(DEFAULT_SEARCH_LIMIT, maxLimit) };
  const seen = new Set<string>();
  for (const item of attributes.split(";")) {
    if (item === "") continue;
    const eq = item.indexOf("=");
    const key = (eq === -1 ? item : item.slice(0, eq)).toLowerCase();
    const value = eq === -1 ? "" : unescapeTagValue(item.slice(eq + 1));
    const bad = (problem: string): SearchProblem => ({ attribute: key || "*", problem });
    if (seen.has(key)) return bad("Attribute given twice");
    seen.add(key);
    if (value === "") return bad("Attribute without a value");
    switch (key) {
      case "text": {
        const words = searchWords(value);
        if ("problem" in words) return bad(words.problem);
        request.words = words;
        break;
      }
      case "in":
      case "from":
        request[key] = value;
        break;
      case "after":
      case "before": {
        const time = parseTime(value);
        if (time === undefined) return bad("Expected a time like 2026-01-02T03:04:05.678Z");
        request[key] = time;
        break;
      }
      case "limit": {
        const limit = /^\d{1,9}$/.test(value) ? Number(value) : 0;
        if (limit <= 0) return bad("Expected a positive whole number");
        request.limit = Math.min(limit, maxLimit);
        break;
      }
      default:
        return bad("Unknown attribute");
    }
  }
  if (seen.size === 0) return { attribute: "*", problem: "Nothing to search for" };
  if (
    request.after !== undefined && request.before !== undefined && request.after > request.before
  ) {
    return { attribute: "after", problem: "after is later than before" };
  }
  return request;
}
