/**
 * Everything the server keeps across restarts, opened together from one database file.
 *
 * @module
 */

import { dirname } from "node:path";
import { type AccountStore, type ChannelRegistry, SqliteAccounts } from "./accounts.ts";
import { openDatabase } from "./database.ts";
import {
  type Awaitable,
  type HistoryStore,
  SqliteHistory,
  type SqliteHistoryOptions,
} from "./history.ts";

/** The persistent stores handlers and the hub use. */
export interface Stores {
  history: HistoryStore;
  accounts: AccountStore;
  channels: ChannelRegistry;
  /**
   * The durability point a PONG waits for: true (at once, or later) when everything handed to the
   * stores so far is stored, false when that wait was given up (see `HistoryStore.flush`).
   */
  durable(): Awaitable<boolean>;
  /** Commits what is pending and closes the database (or leaves the cluster). */
  close(): void | Promise<void>;
}

/**
 * Opens the SQLite stores at `path` (`:memory:` keeps nothing), creating its directory; throws a
 * `DatabaseOpenError` for a file that cannot be served from.
 */
export function openSqliteStores(path: string, options: SqliteHistoryOptions = {}): Stores {
  if (path !== ":memory:") Deno.mkdirSync(dirname(path), { recursive: true });
  const db = openDatabase(path);
  const history = new SqliteHistory(db, options);
  const accounts = new SqliteAccounts(db);
  return {
    history,
    accounts,
    channels: accounts,
    durable: () => history.flush(),
    close() {
      history.close();
      db.close();
    },
  };
}
