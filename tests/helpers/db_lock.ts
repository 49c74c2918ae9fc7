/**
 * Another process holding an SQLite file's write lock, as an operator's `sqlite3` with
 * `BEGIN IMMEDIATE` open would (readers go on, writers wait). A Deno subprocess using
 * `node:sqlite`, so the lock is a real file lock between processes; `release` rolls back and
 * waits for its exit.
 *
 * @module
 */

import { DEADLINE_MS } from "../../scripts/support/irc_client.ts";

const HOLDER = `
import { DatabaseSync } from "node:sqlite";
const db = new DatabaseSync(Deno.args[0]);
db.exec("PRAGMA busy_timeout = 5000");
db.exec("BEGIN IMMEDIATE");
console.log("locked");
await new Response(Deno.stdin.readable).arrayBuffer(); // until the test closes our stdin
db.exec("ROLLBACK");
db.close();
`;

/** A lock held by another process until `release`. */
export class DatabaseLock {
  readonly #child: Deno.ChildProcess;

  private constructor(child: Deno.ChildProcess) {
    this.#child = child;
  }

  /** Starts the holder and resolves once it holds the lock. */
  static async hold(path: string): Promise<DatabaseLock> {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["eval", HOLDER, path],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const lock = new DatabaseLock(child);
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const said = await Promise.race([
      reader.read().then((r) => r.value ?? ""),
      new Promise<string>((resolve) => timer = setTimeout(() => resolve(""), DEADLINE_MS)),
    ]);
    clearTimeout(timer);
    reader.releaseLock();
    if (!said.includes("locked")) {
      child.kill("SIGKILL");
      await child.status;
      throw new Error(`the lock holder did not take the lock of ${path}`);
    }
    return lock;
  }

  /** Rolls back, closes the database and waits for the holder to exit. */
  async release(): Promise<void> {
    await this.#child.stdin.close();
    const status = await this.#child.status;
    await this.#child.stdout.cancel().catch(() => {});
    if (!status.success) throw new Error(`the lock holder failed: ${status.code}`);
  }
}
