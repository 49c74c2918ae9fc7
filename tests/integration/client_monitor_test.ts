/**
 * The terminal client's engine (`ChatSession`) shows the presence of its query partners: a
 * private conversation makes it MONITOR the partner (the server advertises `MONITOR=`), and the
 * user sees a line in that conversation when the partner goes offline and comes back; closing
 * the conversation stops it.
 */
import assert from "node:assert/strict";
import type { ChatEvent } from "../../client/events.ts";
import { ChatSession, type SessionConfig } from "../../client/session.ts";
import { EventLog } from "../helpers/client_events.ts";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { testServer } from "../helpers/server.ts";

function config(port: number, nick: string): SessionConfig {
  return {
    server: { host: "127.0.0.1", port },
    identity: { nick, username: nick, realname: `${nick} test` },
    channels: ["#lobby"],
    backoff: { initialMs: 50, maxMs: 200, jitter: 0.2 },
  };
}

/** A presence line with this text in this conversation. */
const presence = (text: string, conversation?: string) => (e: ChatEvent) =>
  e.kind === "presence" && e.text === text && e.conversation === conversation;

Deno.test("client: a query partner's coming and going is shown in the query (MONITOR)", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const log = new EventLog();
  const session = new ChatSession(config(port, "alice"), log.sink);
  let bob = await TestClient.register(port, "bob");
  try {
    assert.equal(await session.start(), undefined);
    assert.equal(await session.whenReady(), true);
    assert.equal(session.state.support.monitor, 100);

    await bob.send("PRIVMSG alice :psst");
    await log.waitFor((e) => e.kind === "message" && e.text === "psst");
    await log.waitFor(presence("bob is online", "bob"));

    await bob.send("QUIT :lunch");
    await bob.closed();
    await log.waitFor(presence("bob is offline", "bob"));
    bob = await TestClient.register(port, "bob");
    await log.waitFor(presence("bob is online", "bob"));

    // a query opened by the user (/query carol): carol is offline, and said so
    session.queries.open("carol");
    await log.waitFor(presence("carol is offline", "carol"));

    session.queries.close("bob"); // no longer watched
    assert.ok(await session.roundTrip());
    const offline = () => log.events.filter((e) => e.text === "bob is offline").length;
    const before = offline();
    await bob.send("QUIT");
    await bob.closed();
    const carol = await TestClient.register(port, "carol"); // told after bob's leaving
    await log.waitFor(presence("carol is online", "carol"));
    await carol.close();
    assert.equal(offline(), before, "bob's leaving is not shown once its query is closed");
  } finally {
    await session.quit();
    await bob.close();
    await server.shutdown();
  }
});
