/**
 * Everything the server keeps across restarts, opened together from one database file.
 *
 * @module
 */

import { dirname } from "node:path";
import { type AccountStore, type ChannelRegistry, SqliteAccounts } from "./accounts.ts";
import { openDatabase } from "./database.ts";
import { type HistoryStore, SqliteHistory } from "./history.ts";

/** The persistent stores handlers and the hub use. */
export interface Stores {
  history: HistoryStore;
  accounts: AccountStore;
  channels: ChannelRegistry;
  /** Commits what is pending and closes the database (or leaves the cluster). */
  close(): void | Promise<void>;
}

/** Opens the SQLite stores at `path` (`:memory:` keeps nothing), creating its directory. */
export function openSqliteStores(path: string): Stores {
  if (path !== ":memory:") Deno.mkdirSync(dirname(path), { recursive: true });
  const db = openDatabase(path);
  const history = new SqliteHistory(db);
  const accounts = new SqliteAccounts(db);
  return {
    history,
    accounts,
    channels: accounts,
    close() {
      history.close();
      db.close();
    },
  };
}
