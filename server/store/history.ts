/**
 * Message history as handlers see it: what a stored message is, the queries IRCv3
 * `draft/chathistory` asks for, and the promises a store keeps. SQLite implements it for one
 * server (sqlite_history.ts), Redis for a cluster (cluster/stores.ts); conversations are named
 * by the keys of conversations.ts.
 *
 * The promises kept to clients: a message whose echo (echo-message) a client received is stored,
 * and so is everything a client sent before a PING it got the PONG of.
 *
 * @module
 */

/** One stored PRIVMSG or NOTICE. */
export interface StoredMessage {
  msgid: string;
  /** Milliseconds since the epoch. */
  time: number;
  /** The target as sent: a channel name or a nick. */
  target: string;
  /** `nick!user@host` of the sender. */
  source: string;
  account?: string;
  command: "PRIVMSG" | "NOTICE";
  text: string;
  /** Client-only tags (`+name`) the sender attached. */
  tags?: Record<string, string>;
}

/** A point in a conversation: a message id or a timestamp (ms); `*` means "now" for LATEST. */
export type MessageRef = { msgid: string } | { time: number } | "*";

/** A conversation with its latest message time (CHATHISTORY TARGETS). */
export interface ConversationSummary {
  conversation: string;
  /** Time of the latest message inside the asked window. */
  latest: number;
  /** The channel name, or the other party's name for private messages. */
  target: string;
}

/** The conversations one user may list with CHATHISTORY TARGETS. */
export interface TargetScope {
  /** The user's channels: their history keys and the names to show. */
  channels: { key: string; name: string }[];
  /** The owner id (conversations.ts) of the user's account, if logged in. */
  owner: string | undefined;
}

/** Retention: what pruning removes. */
export interface RetentionPolicy {
  /** Messages older than this many ms are deleted (0: keep forever). */
  maxAgeMs: number;
  /** At most this many messages per conversation are kept (0: no limit). */
  maxPerConversation: number;
}

/**
 * A SEARCH (soju.im/search) as a store runs it. Every given condition must hold; bounds are
 * inclusive. Without `after` the newest `limit` matches are taken, with it the oldest from then.
 */
export interface SearchQuery {
  /** Words (search_text.ts `searchWords`) every result contains; none: any text. */
  words?: string[];
  /** The sender's nick, compared by the IRC casemap. */
  from?: string;
  after?: number;
  before?: number;
  limit: number;
}

/**
 * Where a search may look, decided at query time by who asks (history_access.ts): never more
 * than the asker may read now.
 */
export interface SearchScope {
  /** Conversation keys searched: the asked one, or the asker's channels. */
  conversations: string[];
  /** Also every private conversation this owner id keeps (a search of everything). */
  owner?: string;
}

/** A value now (SQLite) or later (a store across the network, like the cluster's Redis). */
export type Awaitable<T> = T | Promise<T>;

/**
 * Where history is kept: SQLite for one server, Redis for a cluster. Queries may answer later
 * (Redis); SQLite answers at once, and callers keep that path synchronous. Conversations are
 * named by the keys of conversations.ts.
 */
export interface HistoryStore {
  /**
   * Queues a message; committed within a few milliseconds. `label` is the name TARGETS shows for
   * a private conversation (the other party's nick or account).
   */
  append(conversation: string, message: StoredMessage, label?: string): void;
  /**
   * Commits what is queued now: the durability point of echoes and PONGs. True when everything
   * appended so far is stored. While the store is unavailable: a promise that resolves true once
   * it is, or false when the wait is given up (clients are then told that messages are not
   * stored); false at once after that, until the store is back. Never throws. A cluster's store
   * answers true: its echoes come back from Redis after their message is stored.
   */
  flush(): Awaitable<boolean>;
  /**
   * 0 while messages are stored or still waited for; during an outage whose wait was given up, a
   * number for that outage (senders are told once per outage that messages are not stored).
   */
  readonly outageEpisode: number;
  latest(conversation: string, after: MessageRef, limit: number): Awaitable<StoredMessage[]>;
  before(conversation: string, ref: MessageRef, limit: number): Awaitable<StoredMessage[]>;
  after(conversation: string, ref: MessageRef, limit: number): Awaitable<StoredMessage[]>;
  around(conversation: string, ref: MessageRef, limit: number): Awaitable<StoredMessage[]>;
  between(
    conversation: string,
    from: MessageRef,
    to: MessageRef,
    limit: number,
  ): Awaitable<StoredMessage[]>;
  /** The scope's conversations with messages between two times, most recent first. */
  targets(
    scope: TargetScope,
    from: number,
    to: number,
    limit: number,
  ): Awaitable<ConversationSummary[]>;
  /**
   * Messages of the scope matching the query, oldest first; what a match of the words is, and
   * what a search may cost, is the store's (SQLite FTS5 words, Redis a bounded scan).
   */
  search(scope: SearchScope, query: SearchQuery): Awaitable<StoredMessage[]>;
  /** The message `msgid` of a conversation, or undefined when it does not keep it (REDACT). */
  find(conversation: string, msgid: string): Awaitable<StoredMessage | undefined>;
  /**
   * Deletes the message `msgid` from each of the conversations (its copies): a redaction
   * (REDACT). Done when this returns or resolves true: CHATHISTORY and SEARCH no longer return
   * it. False when what is stored could not be deleted now (the store is unavailable): then the
   * redaction must not be announced.
   */
  redact(conversations: string[], msgid: string): Awaitable<boolean>;
  /** Deletes a conversation: a channel's life that ended. Its key is never used again. */
  forget(conversation: string): void;
  /** Deletes every private conversation an account (its owner id) kept: a dropped account. */
  forgetOwner(owner: string): void;
  /**
   * Does a bounded step of the deletions `forget` and `forgetOwner` asked for (the server's clock
   * calls it); absent where they happen at once.
   */
  maintain?(): number;
  /** Applies the retention policy; returns how many messages were deleted. */
  prune(policy: RetentionPolicy, now?: number): Awaitable<number>;
  /** Messages stored (for stats and tests). */
  count(): Awaitable<number>;
}

/**
 * Runs `then` on a value that may still be on its way: at once when it is already here. What
 * `then` returns (a reply still being sent) is returned.
 */
export function whenReady<T>(
  value: Awaitable<T>,
  then: (value: T) => void | Promise<void>,
): void | Promise<void> {
  if (value instanceof Promise) return value.then(then);
  return then(value);
}
