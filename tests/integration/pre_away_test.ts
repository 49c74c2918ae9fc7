/**
 * draft/pre-away over sockets: AWAY before registration with the capability (451 without it), and
 * `AWAY *`, a connection that is not a person being there: a user whose connections all said it
 * is away, one present connection is enough for it not to be, and `*` never replaces an away
 * message a person set.
 */
import assert from "node:assert/strict";
import type { Message } from "../../protocol/message.ts";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { PASSWORD, withAccount } from "../helpers/accounts.ts";
import { testServer } from "../helpers/server.ts";

/** Registers `nick` with `draft/pre-away`, sending `away` (an AWAY line) before CAP END. */
async function preAway(port: number, nick: string, away: string, account?: string) {
  const c = await TestClient.connect(port);
  await c.send("CAP LS 302");
  await c.send(`CAP REQ :draft/pre-away${account ? " sasl" : ""}`);
  await c.expect((m) => m.command === "CAP" && m.params[1] === "ACK");
  if (account) {
    await c.send("AUTHENTICATE PLAIN");
    await c.expect("AUTHENTICATE");
    await c.send(`AUTHENTICATE ${btoa(`\0${account}\0${PASSWORD}`)}`);
    await c.expect("903");
  }
  await c.send(`NICK ${nick}`);
  await c.send(`USER ${nick} 0 * :${nick}`);
  await c.send(away);
  const reply = await c.expect((m) => m.command === "305" || m.command === "306");
  await c.send("CAP END");
  await c.expect("001");
  await c.expect((m) => m.command === "376" || m.command === "422");
  return { c, reply };
}

/** The away message WHOIS shows for `nick`, or undefined. */
async function awayOf(asker: TestClient, nick: string): Promise<string | undefined> {
  await asker.send(`WHOIS ${nick}`);
  const lines = await asker.sync();
  const away = lines.find((m: Message) => m.command === "301");
  assert.ok(lines.some((m) => m.command === "318"), "WHOIS answered");
  return away?.params[2];
}

Deno.test("pre-away: AWAY before registration with the capability, 451 without it", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const bob = await TestClient.register(port, "bob");
  try {
    const { c: lunch, reply } = await preAway(port, "lunch", "AWAY :Gone to lunch.  Back in 5");
    assert.equal(reply.command, "306");
    assert.equal(await awayOf(bob, "lunch"), "Gone to lunch.  Back in 5");
    await lunch.close();

    const { c: auto } = await preAway(port, "auto", "AWAY *");
    assert.equal(await awayOf(bob, "auto"), "*", "not present, for an unspecified reason");
    await auto.send("AWAY");
    await auto.expect("305");
    assert.equal(await awayOf(bob, "auto"), undefined);
    await auto.close();

    const plain = await TestClient.connect(port);
    await plain.send("NICK plain");
    await plain.send("AWAY :too early");
    assert.equal((await plain.expect("451")).params.at(-1), "You have not registered");
    await plain.close();
  } finally {
    await bob.close();
    await server.shutdown();
  }
});

Deno.test("pre-away: a user is away only when none of its connections is a person's", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const laptop = await withAccount(port, "alice");
  const bob = await TestClient.register(port, "bob", ["away-notify"]);
  let phone: TestClient | undefined;
  try {
    for (const c of [laptop, bob]) {
      await c.send("JOIN #x");
      await c.expect("366");
    }
    // an automatic connection beside the laptop: alice is still there
    phone = (await preAway(port, "alice", "AWAY *", "alice")).c;
    assert.equal(await awayOf(bob, "alice"), undefined);
    assert.ok(!(await bob.sync()).some((m) => m.command === "AWAY"), "nobody told of an away");

    // the laptop leaves: only the automatic one is left, so alice is away (always-on: as with none)
    await laptop.send("QUIT :lid closed");
    await laptop.closed();
    assert.deepEqual((await bob.expect("AWAY")).params, ["Disconnected"]);

    // the phone comes to the foreground: alice is back
    await phone.send("AWAY");
    await phone.expect("305");
    assert.deepEqual((await bob.expect("AWAY")).params, []);

    // a message a person set is not replaced by `AWAY *`
    await phone.send("AWAY :in a meeting");
    assert.deepEqual((await bob.expect("AWAY")).params, ["in a meeting"]);
    await phone.send("AWAY *");
    await phone.expect("306");
    assert.equal(await awayOf(bob, "alice"), "in a meeting");
  } finally {
    await phone?.close();
    await laptop.close();
    await bob.close();
    await server.shutdown();
  }
});

Deno.test("pre-away: an automatic connection to an always-on user with none does not bring it back", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const laptop = await withAccount(port, "alice");
  const bob = await TestClient.register(port, "bob", ["away-notify"]);
  let sync: TestClient | undefined, person: TestClient | undefined;
  try {
    for (const c of [laptop, bob]) {
      await c.send("JOIN #x");
      await c.expect("366");
    }
    await laptop.send("QUIT");
    await laptop.closed();
    assert.deepEqual((await bob.expect("AWAY")).params, ["Disconnected"]);

    sync = (await preAway(port, "alice", "AWAY *", "alice")).c;
    await sync.expect((m) => m.command === "JOIN" && m.params[0] === "#x");
    assert.equal(await awayOf(bob, "alice"), "Disconnected", "still away");
    assert.ok(!(await bob.sync()).some((m) => m.command === "AWAY"), "no coming and going");

    person = (await preAway(port, "alice", "AWAY", "alice")).c;
    assert.deepEqual((await bob.expect("AWAY")).params, [], "a person's connection: back");
  } finally {
    await sync?.close();
    await person?.close();
    await bob.close();
    await server.shutdown();
  }
});
