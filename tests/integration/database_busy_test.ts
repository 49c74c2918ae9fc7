/**
 * Commands that read or write the database when it fails (issue 17, item 4): another process
 * holds its lock, or SQLite raises an error on a query. The user is told to try again later and
 * stays connected; nothing is half done.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { openSqliteStores } from "../../server/store/stores.ts";
import { DatabaseLock } from "../helpers/db_lock.ts";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { testServer } from "../helpers/server.ts";

const TRY_LATER = (l: string) => l.includes("database is unavailable right now; try again later");

async function withServer(
  run: (port: number, path: string, clients: TestClient[]) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "chat-db-busy-" });
  const path = `${dir}/chat.db`;
  const server = await testServer({ db: path });
  const clients: TestClient[] = [];
  try {
    await run(server.addr.port, path, clients);
  } finally {
    for (const c of clients) await c.close();
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("account and channel registration changes meet a locked database: try again later", async () => {
  await withServer(async (port, path, clients) => {
    const alice = await TestClient.register(port, "alice");
    clients.push(alice);
    await alice.send("NS REGISTER wonderland");
    await alice.expectLine((l) => l.includes("registered; you are logged in"));
    await alice.send("JOIN #own");
    await alice.expect("366");
    const lock = await DatabaseLock.hold(path);
    try {
      await alice.send("CS REGISTER #own");
      await alice.expectLine(TRY_LATER);
      await alice.send("NS DROP wonderland");
      await alice.expectLine((l) => l.includes("unavailable right now; try again later"));
      await alice.send("TOPIC #own :kept?");
      await alice.expect("TOPIC");
      await alice.sync(); // still connected
      assert.ok(!alice.lines.some((l) => l.includes("is registered to")), "not registered");
      assert.ok(!alice.lines.some((l) => l.includes("dropped")), "not dropped");
      await alice.send("CS INFO #own");
      await alice.expectLine((l) => l.includes("#own is not registered"));
      await alice.send("NS INFO alice");
      await alice.expectLine((l) => l.includes("alice: registered"));
    } finally {
      await lock.release();
    }
    // the same commands work once the lock is gone: nothing was left half done
    await alice.send("CS REGISTER #own");
    await alice.expectLine((l) => l.includes("#own is registered to alice"));
    await alice.send("NS DROP wonderland");
    await alice.expectLine((l) => l.includes("Account alice dropped"));
  });
});

/** A genuine error from SQLite, as a failing disk or a lock would raise it. */
function sqliteError(): Error {
  const db = new DatabaseSync(":memory:");
  try {
    db.exec("SELECT * FROM messages");
  } catch (err) {
    return err as Error;
  } finally {
    db.close();
  }
  throw new Error("SQLite did not fail");
}

Deno.test("a history query SQLite fails (an I/O error, a lock): try again later, still connected", async () => {
  // Readers are never blocked by another process in WAL mode while the server's connection is
  // open, so the failure is made by the store: its queries throw what SQLite threw.
  const stores = openSqliteStores(":memory:");
  const failing = () => {
    throw sqliteError();
  };
  Object.assign(stores.history, { latest: failing, targets: failing });
  const server = await testServer({}, { stores });
  const port = server.addr.port;
  const alice = await TestClient.register(port, "alice", ["batch", "draft/chathistory"]);
  const bob = await TestClient.register(port, "bob");
  try {
    await alice.send("JOIN #c");
    await alice.expect("366");
    await alice.send("CHATHISTORY LATEST #c * 10");
    await alice.expectLine(TRY_LATER);
    await alice.send(
      "CHATHISTORY TARGETS timestamp=2020-01-01T00:00:00Z timestamp=2040-01-01T00:00:00Z 5",
    );
    await alice.expectLine(TRY_LATER);
    await bob.send("JOIN #c"); // replays the last lines to a client without chathistory
    await bob.expect("366");
    await bob.expectLine(TRY_LATER);
    await bob.send("PRIVMSG #c :still here");
    await alice.expectLine((l) => l.endsWith("PRIVMSG #c :still here"));
    for (const c of [alice, bob]) await c.sync();
  } finally {
    for (const c of [alice, bob]) await c.close();
    await server.shutdown();
    stores.close();
  }
});
