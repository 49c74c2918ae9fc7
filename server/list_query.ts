/**
 * What a LIST asks for (ISUPPORT `ELIST=CMNTU`): channel names, masks (`M`), negated masks
 * (`N`, `!mask`), and conditions on the creation time (`C<n`, `C>n`: created less or more than n
 * minutes ago), the topic's time (`T<n`, `T>n`, likewise) and the user count (`<n`, `>n`; also
 * written `U<n`, `U>n`). Names, masks and conditions may come in one comma list or in two
 * parameters, as servers differ there.
 *
 * Pure: the handler walks the channels; this says which ones to show.
 *
 * @module
 */

import { foldCase } from "../protocol/casemap.ts";
import { matchMask } from "../protocol/names.ts";
import type { Channel } from "./state/channel.ts";

/** ISUPPORT `ELIST`: the LIST extensions understood here. */
export const ELIST = "CMNTU";

/**
 * Masks (plain and negated together) one LIST may carry; more are ignored. Each channel is
 * matched against every mask, so this bounds what one line can make the server do per channel.
 */
export const LIST_MASKS = 10;

/** One ELIST condition: `field` less or more than `value` (minutes for C and T, users for U). */
export interface ListCondition {
  field: "C" | "T" | "U";
  less: boolean;
  value: number;
}

/** A parsed LIST. */
export interface ListQuery {
  /** Folded channel names asked for by name. */
  names: string[];
  /** Folded masks a channel's name must match (one of them, or be named). */
  masks: string[];
  /** Folded masks a channel's name must not match. */
  negated: string[];
  conditions: ListCondition[];
}

const CONDITION = /^([CTU]?)([<>])([0-9]{1,9})$/i;
const WILDCARD = /[*?]/;

/** Reads LIST's parameters; an item that is no condition or mask is a channel name. */
export function parseListQuery(params: readonly string[]): ListQuery {
  const query: ListQuery = { names: [], masks: [], negated: [], conditions: [] };
  let masks = 0;
  for (const item of params.flatMap((p) => p.split(","))) {
    if (item === "") continue;
    const cond = CONDITION.exec(item);
    if (cond) {
      const field = (cond[1]!.toUpperCase() || "U") as ListCondition["field"];
      query.conditions.push({ field, less: cond[2] === "<", value: Number(cond[3]) });
    } else if (item.startsWith("!")) {
      if (masks++ < LIST_MASKS) query.negated.push(foldCase(item.slice(1)));
    } else if (WILDCARD.test(item)) {
      if (masks++ < LIST_MASKS) query.masks.push(foldCase(item));
    } else {
      query.names.push(foldCase(item));
    }
  }
  return query;
}

/** True when only named channels can match: they are looked up rather than all walked. */
export function namesOnly(query: ListQuery): boolean {
  return query.names.length > 0 && query.masks.length === 0;
}

/** True when `channel` passes the query's masks and conditions (`now` in ms). */
export function listMatches(query: ListQuery, channel: Channel, now: number): boolean {
  const { folded } = channel;
  if (query.masks.length > 0 || query.names.length > 0) {
    const asked = query.names.includes(folded) || query.masks.some((m) => matchMask(m, folded));
    if (!asked) return false;
  }
  if (query.negated.some((m) => matchMask(m, folded))) return false;
  for (const c of query.conditions) {
    let actual: number, bound: number;
    if (c.field === "U") {
      actual = channel.members.size;
      bound = c.value;
    } else {
      const time = c.field === "C" ? channel.created : channel.topic?.setAt;
      if (time === undefined) return false; // no topic: no topic time to compare
      actual = now - time;
      bound = c.value * 60_000;
    }
    if (c.less ? !(actual < bound) : !(actual > bound)) return false;
  }
  return true;
}
