/**
 * The embedded SQLite database (`node:sqlite`, built into Deno) that keeps history, accounts and
 * registered channels across restarts. One file, WAL journal: a commit is a write to the OS, so a
 * killed process loses nothing it committed, and readers never block the writer.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";

/**
 * A schema migration: SQL, or a function that may return a line for the log (what it removed).
 */
type Migration = string | ((db: DatabaseSync) => string | undefined);

/** Schema migrations, applied in order; the index is the schema version they lead to minus 1. */
const MIGRATIONS: Migration[] = [
  `CREATE TABLE messages (
     id INTEGER PRIMARY KEY,
     msgid TEXT NOT NULL UNIQUE,
     time INTEGER NOT NULL,
     conversation TEXT NOT NULL,
     target TEXT NOT NULL,
     source TEXT NOT NULL,
     account TEXT,
     command TEXT NOT NULL,
     text TEXT NOT NULL,
     tags TEXT
   );
   CREATE INDEX messages_by_conversation ON messages (conversation, time, id);
   CREATE INDEX messages_by_time ON messages (time);
   CREATE TABLE accounts (
     name TEXT PRIMARY KEY,
     display TEXT NOT NULL,
     salt BLOB NOT NULL,
     hash BLOB NOT NULL,
     created INTEGER NOT NULL
   );
   CREATE TABLE channels (
     name TEXT PRIMARY KEY,
     display TEXT NOT NULL,
     founder TEXT NOT NULL,
     topic TEXT,
     topic_by TEXT,
     topic_at INTEGER,
     modes TEXT NOT NULL,
     channel_key TEXT,
     user_limit INTEGER,
     bans TEXT NOT NULL,
     created INTEGER NOT NULL
   );`,
  // 2: msgids carry their time and are unique by construction; their index cost every insert.
  `CREATE TABLE messages_v2 (
     id INTEGER PRIMARY KEY,
     msgid TEXT NOT NULL,
     time INTEGER NOT NULL,
     conversation TEXT NOT NULL,
     target TEXT NOT NULL,
     source TEXT NOT NULL,
     account TEXT,
     command TEXT NOT NULL,
     text TEXT NOT NULL,
     tags TEXT
   );
   INSERT INTO messages_v2 SELECT * FROM messages;
   DROP TABLE messages;
   ALTER TABLE messages_v2 RENAME TO messages;
   CREATE INDEX messages_by_conversation ON messages (conversation, time, id);
   CREATE INDEX messages_by_time ON messages (time);`,
  // 3: private history belongs to accounts (store/conversations.ts): rows filed under two
  // nicknames could be read by whoever took one of the nicks, so they go. Private conversations
  // get a summary per owner (CHATHISTORY TARGETS without scanning messages), and registered
  // channels remember the key their history is filed under.
  (db) => {
    const dropped = Number(
      db.prepare("DELETE FROM messages WHERE substr(conversation, 1, 1) <> '#'").run().changes,
    );
    db.exec(`CREATE TABLE private_conversations (
       conversation TEXT PRIMARY KEY,
       owner TEXT NOT NULL,
       target TEXT NOT NULL,
       latest INTEGER NOT NULL
     ) WITHOUT ROWID;
     CREATE INDEX private_by_owner ON private_conversations (owner, latest);
     ALTER TABLE channels ADD COLUMN history_key TEXT;`);
    return dropped > 0
      ? `history: dropped ${dropped} private messages filed under nicknames (private history ` +
        `is now kept per account)`
      : undefined;
  },
];

/**
 * Opens (creating if needed) and migrates the database at `path` (`:memory:` for none); what a
 * migration removed is told to `note`, for the log.
 */
export function openDatabase(path: string, note: (line: string) => void = () => {}): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;");
  const version = Number(
    (db.prepare("PRAGMA user_version").get() as { user_version: number })
      .user_version,
  );
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.exec("BEGIN");
    let told: string | undefined;
    try {
      const migration = MIGRATIONS[v];
      if (typeof migration === "string") db.exec(migration);
      else told = migration(db);
      db.exec(`PRAGMA user_version = ${v + 1}`);
      db.exec("COMMIT");
    } catch (err) {
      db.exec("ROLLBACK");
      throw err;
    }
    if (told) note(told);
  }
  return db;
}

/** The default database file: the user's data directory (XDG on Linux), created on demand. */
export function defaultDatabasePath(): string {
  const env = (name: string) => Deno.env.get(name);
  const home = env("HOME") ?? env("USERPROFILE") ?? ".";
  const base = Deno.build.os === "windows"
    ? env("APPDATA") ?? `${home}\\AppData\\Roaming`
    : Deno.build.os === "darwin"
    ? `${home}/Library/Application Support`
    : env("XDG_DATA_HOME") ?? `${home}/.local/share`;
  const sep = Deno.build.os === "windows" ? "\\" : "/";
  return `${base}${sep}chat${sep}chat.db`;
}
