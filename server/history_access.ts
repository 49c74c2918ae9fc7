/**
 * Whose history a message goes into and whose history a user may read: the one place that turns
 * users, nicks and accounts into the conversation keys of store/conversations.ts. PRIVMSG files
 * messages through it, CHATHISTORY, SEARCH and the JOIN replay read through it.
 *
 * @module
 */

import { isChannelName } from "../protocol/names.ts";
import type { Hub } from "./hub.ts";
import type { User } from "./state/user.ts";
import type { AccountStore } from "./store/accounts.ts";
import { ownerId, type Peer, privateKey } from "./store/conversations.ts";
import type { SearchScope, TargetScope } from "./store/history.ts";

/** The owner id of a user's private history: their account as registered now, if logged in. */
export function ownerOfUser(user: User, accounts: AccountStore): string | undefined {
  if (user.account === undefined) return undefined;
  const account = accounts.find(user.account);
  return account && ownerId(account);
}

/** A user as the other party of a private conversation. */
function peerOfUser(user: User): Peer {
  return user.account !== undefined ? { account: user.account } : { nick: user.nick };
}

/** The name TARGETS shows for a party, one that `peerNamed` turns back into the same party. */
function labelOf(user: User): string {
  return user.account ?? user.nick;
}

/**
 * The party a CHATHISTORY target names: whoever is logged in with that nick now, else the
 * account registered under that name, else the nick of someone not logged in.
 */
export function peerNamed(name: string, hub: Hub, accounts: AccountStore): Peer {
  const online = hub.findUser(name);
  if (online?.account !== undefined) return { account: online.account };
  const account = accounts.find(name);
  return account ? { account: account.name } : { nick: name };
}

/** One copy of a private message: the conversation it is filed under and its TARGETS label. */
export interface PrivateCopy {
  conversation: string;
  label: string;
}

/**
 * The copies a private message is kept as: one for each party logged in to an account, none when
 * neither is (their conversation ends with their connections).
 */
export function privateCopies(
  sender: User,
  recipient: User,
  accounts: AccountStore,
): PrivateCopy[] {
  const copies: PrivateCopy[] = [];
  const mine = ownerOfUser(sender, accounts);
  if (mine !== undefined) {
    copies.push({
      conversation: privateKey(mine, peerOfUser(recipient)),
      label: labelOf(recipient),
    });
  }
  const theirs = ownerOfUser(recipient, accounts);
  if (theirs !== undefined && theirs !== mine) {
    copies.push({ conversation: privateKey(theirs, peerOfUser(sender)), label: labelOf(sender) });
  }
  return copies;
}

/**
 * The conversation a user reads when asking for the history with `name` (a nick or account), or
 * undefined when the user keeps no private history (not logged in).
 */
export function privateConversation(
  user: User,
  name: string,
  hub: Hub,
  accounts: AccountStore,
): string | undefined {
  const owner = ownerOfUser(user, accounts);
  return owner === undefined ? undefined : privateKey(owner, peerNamed(name, hub, accounts));
}

/**
 * The copies of a private message `user` sent to `name` that a redaction deletes: the sender's
 * own, and the other party's when it is an account (a nick keeps no history). Empty when the
 * sender keeps no private history (not logged in): there is no message to find.
 */
export function sentPrivateCopies(
  user: User,
  name: string,
  hub: Hub,
  accounts: AccountStore,
): string[] {
  const mine = privateConversation(user, name, hub, accounts);
  if (mine === undefined) return [];
  const peer = peerNamed(name, hub, accounts);
  const account = "account" in peer ? accounts.find(peer.account) : undefined;
  const theirs = account && privateKey(ownerId(account), peerOfUser(user));
  return theirs === undefined || theirs === mine ? [mine] : [mine, theirs];
}

/** What CHATHISTORY TARGETS may list for a user: their channels and their own private copies. */
export function targetScope(user: User, accounts: AccountStore): TargetScope {
  const channels = [...user.channels.values()].map((c) => ({ key: c.historyKey, name: c.name }));
  return { channels, owner: ownerOfUser(user, accounts) };
}

/**
 * Where SEARCH may look for a user, decided now: `target` (a channel they are on, or their own
 * copy of the private conversation with that nick or account), or, without one, their channels
 * and all their private copies. Undefined when `target` is a channel they are not on (whether
 * it exists or not: the answer must not tell).
 */
export function searchScope(
  user: User,
  target: string | undefined,
  hub: Hub,
  accounts: AccountStore,
): SearchScope | undefined {
  if (target === undefined) {
    const { channels, owner } = targetScope(user, accounts);
    return { conversations: channels.map((c) => c.key), owner };
  }
  if (isChannelName(target)) {
    const channel = hub.findChannel(target);
    return channel?.has(user) ? { conversations: [channel.historyKey] } : undefined;
  }
  const conversation = privateConversation(user, target, hub, accounts);
  return { conversations: conversation === undefined ? [] : [conversation] };
}
