/**
 * Who owns a piece of history, written as the key messages are filed under.
 *
 * A channel's history belongs to the channel: to its registration when it is registered, to the
 * server when it is permanent (`--permanent-channel`), and otherwise to this one life of the
 * channel, so that whoever creates a dead channel's name again starts with nothing. A private
 * message belongs to the accounts of the people who exchanged it, one copy per logged-in party,
 * and never to a nickname: whoever takes a nick later reads nothing of its past.
 *
 * Keys: a channel's folded name (`#chan`), or that name and a life id (`#chan 0k2…`, channel
 * names cannot hold spaces); a private conversation `~owner peer`, where `owner` is the owner id
 * of the account that may read it (its folded name and creation time: an account registered
 * again under a dropped one's name is someone else) and `peer` the other party's folded account,
 * or `!nick` when that party was not logged in (nicks and accounts cannot hold `!` or `@`).
 *
 * @module
 */

import { foldCase } from "../../protocol/casemap.ts";
import { isChannelName } from "../../protocol/names.ts";
import { nextMsgid } from "../msgid.ts";

/** The other party of a private conversation: their account, or their nick if logged out. */
export type Peer = { account: string } | { nick: string };

/** First character of every private key (never a channel prefix). */
const PRIVATE = "~";

/**
 * The key a channel created now files its history under: its name when the history is to outlive
 * the channel (permanent channels), else a key for this life of the channel only.
 */
export function newChannelHistoryKey(folded: string, permanent: boolean, now = Date.now()): string {
  return permanent ? folded : `${folded} ${nextMsgid(now)}`;
}

/**
 * True when a channel's history is deleted with the channel: it is not registered and its key is
 * one of its lives (not its plain name, which permanent and long-registered channels use).
 */
export function historyEndsWithChannel(
  channel: { folded: string; founder: string | undefined; historyKey: string },
): boolean {
  return channel.founder === undefined && channel.historyKey !== channel.folded;
}

/** Who may read a private copy: an account, as this one registration of its name. */
export function ownerId(account: { name: string; created: number }): string {
  return `${foldCase(account.name)}@${account.created.toString(36)}`;
}

/** The key of an owner's (see `ownerId`) copy of a private conversation with `peer`. */
export function privateKey(owner: string, peer: Peer): string {
  const other = "account" in peer ? foldCase(peer.account) : `!${foldCase(peer.nick)}`;
  return `${PRIVATE}${owner} ${other}`;
}

/** The owner id of a private key, or undefined for a channel's key. */
export function ownerOf(key: string): string | undefined {
  if (!key.startsWith(PRIVATE)) return undefined;
  return key.slice(PRIVATE.length, key.indexOf(" "));
}

/** True for a channel's key (`#chan` or `#chan <life>`). */
export function isChannelKey(key: string): boolean {
  return isChannelName(key);
}

/** The folded channel name a channel's key is for. */
export function channelOfKey(key: string): string {
  const space = key.indexOf(" ");
  return space === -1 ? key : key.slice(0, space);
}
