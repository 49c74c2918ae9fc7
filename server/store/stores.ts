/**
 * Everything the server keeps across restarts, opened together from one database file.
 *
 * @module
 */

import { dirname } from "node:path";
import { type AccountStore, type ChannelRegistry, SqliteAccounts } from "./accounts.ts";
import { channelOfKey, isChannelKey, ownerOf } from "./conversations.ts";
import { openDatabase } from "./database.ts";
import type { Awaitable, HistoryStore } from "./history.ts";
import { type BanStore, SqliteBans } from "./server_bans.ts";
import { SqliteHistory, type SqliteHistoryOptions } from "./sqlite_history.ts";
import { type ReadMarkers, SqliteReadMarkers } from "./read_markers.ts";
import { type AlwaysOnStore, SqliteAlwaysOn } from "./always_on.ts";
import { writeProblem } from "./write_probe.ts";

/** The persistent stores handlers and the hub use. */
export interface Stores {
  history: HistoryStore;
  accounts: AccountStore;
  channels: ChannelRegistry;
  readMarkers: ReadMarkers;
  alwaysOn: AlwaysOnStore;
  /** Server bans (KLINE, DLINE); absent: kept in memory only. */
  bans?: BanStore;
  /**
   * The durability point a PONG waits for: true (at once, or later) when everything handed to the
   * stores so far is stored, false when that wait was given up (see `HistoryStore.flush`).
   */
  durable(): Awaitable<boolean>;
  /**
   * Why the store cannot take writes right now (for `/healthz`), undefined when it can; absent
   * where there is nothing to probe.
   */
  writeProblem?(): string | undefined;
  /** Commits what is pending and closes the database (or leaves the cluster). */
  close(): void | Promise<void>;
}

/** What opening the stores needs besides the file. */
export interface OpenOptions extends SqliteHistoryOptions {
  /** Folded names of the permanent channels, whose history outlives them. */
  permanent?: ReadonlySet<string>;
  /** Where migrations and the start-up sweep report what they removed. */
  note?: (line: string) => void;
}

/**
 * Opens the SQLite stores at `path` (`:memory:` keeps nothing), creating its directory; throws a
 * `DatabaseOpenError` for a file that cannot be served from. History nobody may read any more is
 * queued for deletion: the lives of channels that ended with the last process (those an always-on
 * user comes back to excepted), channels no longer
 * registered or permanent, private copies of dropped accounts.
 */
export function openSqliteStores(path: string, options: OpenOptions = {}): Stores {
  if (path !== ":memory:") Deno.mkdirSync(dirname(path), { recursive: true });
  const note = options.note ?? (() => {});
  const db = openDatabase(path, note);
  const history = new SqliteHistory(db, options);
  const accounts = new SqliteAccounts(db);
  const alwaysOn = new SqliteAlwaysOn(db);
  // channels come back with their always-on members, with the history of the life they had
  const kept = new Set([...accounts.channelHistoryKeys(), ...alwaysOn.historyKeys()]);
  const owners = accounts.ownerIds();
  const permanent = options.permanent ?? new Set();
  const swept = history.sweep((key) =>
    isChannelKey(key)
      ? kept.has(key) || (key === channelOfKey(key) && permanent.has(key))
      : owners.has(ownerOf(key)!)
  );
  if (swept > 0) note(`history: deleting ${swept} conversations nobody may read any more`);
  return {
    history,
    accounts,
    channels: accounts,
    readMarkers: new SqliteReadMarkers(db),
    alwaysOn,
    bans: new SqliteBans(db),
    durable: () => history.flush(),
    writeProblem: () => writeProblem(db),
    async close() {
      await history.close();
      db.close();
    },
  };
}
