/**
 * The embedded SQLite database (`node:sqlite`, built into Deno) that keeps history, accounts and
 * registered channels across restarts. One file, WAL journal: a commit is a write to the OS, so a
 * killed process loses nothing it committed, and readers never block the writer.
 *
 * Opening checks the file (`PRAGMA quick_check`) and refuses a damaged one, or one that is not a
 * database, with a `DatabaseOpenError` whose message is one line for the command line: serving
 * from a damaged file would only fail later, on some write, in front of users.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { DatabaseOpenError, describeError, openProblem } from "./sqlite_failure.ts";

/**
 * How long a statement waits for another process's lock (an admin's `sqlite3`, a VACUUM, a second
 * server on the same file) before failing with "database is locked". Statements run on the main
 * thread, so every client waits with them: a few milliseconds covers another writer's commit
 * (well under a millisecond), and a longer hold is the history writer's to wait out, with its
 * rows queued and retried (see history.ts). Measured: a statement facing a held lock returns after
 * 5.3 ms.
 */
export const BUSY_TIMEOUT_MS = 5;
/** At start nobody is waiting yet: a lock held for a moment (another process's commit) is waited for. */
const OPEN_BUSY_TIMEOUT_MS = 5000;
/** Lines of a failed `quick_check` quoted in the error, at most. */
const QUOTED_PROBLEMS = 2;

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
  // 4: read markers (draft/read-marker), per account and conversation (store/read_markers.ts).
  `CREATE TABLE read_markers (
     account TEXT NOT NULL,
     target TEXT NOT NULL,
     time INTEGER NOT NULL,
     PRIMARY KEY (account, target)
   ) WITHOUT ROWID;`,
  // 5: always-on users (store/always_on.ts) and each account's own choice (NULL: the policy).
  `CREATE TABLE always_on (
     account TEXT PRIMARY KEY,
     record TEXT NOT NULL
   ) WITHOUT ROWID;
   ALTER TABLE accounts ADD COLUMN always_on INTEGER;`,
  // 6: SEARCH (store/history_search.ts): a full-text index of message text, kept equal to the
  // messages by triggers (every insert, and every deletion: retention, forgotten lives and
  // accounts), and built from the messages already stored.
  `CREATE VIRTUAL TABLE messages_fts USING fts5(text, content='messages', content_rowid='id');
   CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
     INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
   END;
   CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
     INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
   END;
   CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
     INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
     INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
   END;
   INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');`,
  // 7: registered channels keep their ban exceptions (+e) and invite exceptions (+I) as JSON.
  `ALTER TABLE channels ADD COLUMN ban_exceptions TEXT;
   ALTER TABLE channels ADD COLUMN invite_exceptions TEXT;`,
  // 8: SASL (store/accounts.ts): each account's SCRAM-SHA-256 verifier (NULL until its next
  // password login) and the fingerprints of its TLS client certificates (SASL EXTERNAL).
  // Idempotent: a database whose version was set back (tests of older migrations) has them.
  (db) => {
    const columns = db.prepare("PRAGMA table_info(accounts)").all() as { name: string }[];
    if (!columns.some((c) => c.name === "scram")) {
      db.exec("ALTER TABLE accounts ADD COLUMN scram TEXT");
    }
    db.exec(`CREATE TABLE IF NOT EXISTS cert_fps (
       fp TEXT PRIMARY KEY,
       account TEXT NOT NULL
     ) WITHOUT ROWID;
     CREATE INDEX IF NOT EXISTS cert_fps_account ON cert_fps (account);`);
    return undefined;
  },
  // 9: server bans (store/server_bans.ts): KLINE and DLINE, until removed or expired.
  // Idempotent, as 8 is.
  `CREATE TABLE IF NOT EXISTS server_bans (
     kind TEXT NOT NULL,
     mask TEXT NOT NULL,
     reason TEXT NOT NULL,
     set_by TEXT NOT NULL,
     set_at INTEGER NOT NULL,
     expires_at INTEGER,
     PRIMARY KEY (kind, mask)
   ) WITHOUT ROWID;`,
];

/**
 * Opens (creating if needed), checks and migrates the database at `path` (`:memory:` for none);
 * throws a `DatabaseOpenError` when the file is damaged, not a database, or locked for long. What
 * a migration removed is told to `note`, for the log.
 */
export function openDatabase(path: string, note: (line: string) => void = () => {}): DatabaseSync {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path);
    db.exec(`PRAGMA busy_timeout = ${OPEN_BUSY_TIMEOUT_MS}`);
    checkIntegrity(db, path);
    db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;");
    migrate(db, note);
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    return db;
  } catch (err) {
    try {
      db?.close();
    } catch { /* the error below says what matters */ }
    throw err instanceof DatabaseOpenError ? err : openError(path, err);
  }
}

/** `PRAGMA quick_check`: a damaged file throws at once or lists its problems. */
function checkIntegrity(db: DatabaseSync, path: string): void {
  const rows = db.prepare("PRAGMA quick_check").all() as { quick_check: string }[];
  const problems = rows.map((r) => r.quick_check).filter((p) => p !== "ok");
  if (problems.length === 0) return;
  const more = problems.length > QUOTED_PROBLEMS
    ? `; ${problems.length - QUOTED_PROBLEMS} more`
    : "";
  const quoted = problems.slice(0, QUOTED_PROBLEMS).join("; ") + more;
  throw damaged(path, `quick_check: ${quoted.replace(/\s+/g, " ")}`);
}

function damaged(path: string, why: string): DatabaseOpenError {
  return new DatabaseOpenError(
    "damaged",
    `database ${path} is damaged (${why}); restore a backup, or move the file away to start ` +
      "with an empty one",
  );
}

/** The one-line error for a database that could not be opened. */
function openError(path: string, err: unknown): DatabaseOpenError {
  const why = describeError(err);
  const problem = openProblem(err);
  switch (problem) {
    case "damaged":
      return damaged(path, why);
    case "not-a-database":
      return new DatabaseOpenError(
        problem,
        `${path} is not an SQLite database (${why}); check --db, or move the file away`,
      );
    case "locked":
      return new DatabaseOpenError(
        problem,
        `database ${path} is locked by another process (${why}); is another chat serve using it?`,
      );
    default:
      return new DatabaseOpenError(problem, `cannot open database ${path}: ${why}`);
  }
}

/** Brings the schema up to date, one migration per transaction. */
function migrate(db: DatabaseSync, note: (line: string) => void): void {
  const version = Number(
    (db.prepare("PRAGMA user_version").get() as { user_version: number })
      .user_version,
  );
  for (const [v, migration] of MIGRATIONS.entries()) {
    if (v < version) continue;
    db.exec("BEGIN");
    let told: string | undefined;
    try {
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
