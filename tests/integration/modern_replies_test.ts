/**
 * Replies the Modern IRC documents (modern.ircdocs.horse) and the IRCv3 specifications pin down,
 * over real sockets: USER with an empty parameter, WHOWAS counts, LUSERS counts, channel keys,
 * labeled-response for a message to oneself, and away-notify after a JOIN.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Message } from "../../protocol/message.ts";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { testServer } from "../helpers/server.ts";

/** The numerics (and other commands) of replies, without the PONG of `sync`. */
function commands(lines: Message[]): string[] {
  return lines.map((m) => m.command).filter((c) => c !== "PONG");
}

Deno.test("USER with an empty username or realname gets 461 and does not register (Modern IRC)", async () => {
  const server = await testServer();
  const c = await TestClient.connect(server.addr.port);
  try {
    await c.send("NICK foo");
    await c.send("USER username 0 * :");
    const err = await c.expect("461");
    assert.deepEqual(err.params, ["foo", "USER", "Not enough parameters"]);
    await c.send("USER : 0 * :Real Name");
    assert.deepEqual((await c.expect("461")).params.slice(1, 2), ["USER"]);
    assert.ok(!commands(await c.sync()).includes("001"), "not registered by either");
    await c.send("USER username 0 * :Real Name");
    await c.expect("001");
  } finally {
    await c.close();
    await server.shutdown();
  }
});

Deno.test("WHOWAS: newest first, up to count, all for 0 or a negative count, 406 then 369", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const asker = await TestClient.register(port, "asker");
  const clients: TestClient[] = [];
  try {
    // three users in turn hold "someone", each then giving it up
    for (const ident of ["ident1", "ident2", "ident3"]) {
      const c = await TestClient.connect(port);
      clients.push(c);
      await c.send("NICK someone");
      await c.send(`USER ${ident} 0 * :Realname`);
      await c.expect("001");
      await c.send(`NICK ${ident}`);
      await c.expect("NICK");
    }
    const whowas = async (line: string) => {
      await asker.send(line);
      const replies = (await asker.sync()).filter((m) => m.command !== "PONG");
      return replies;
    };
    const users = (replies: Message[]) =>
      replies.filter((m) => m.command === "314").map((m) => m.params[2]);

    const all = await whowas("WHOWAS someone");
    assert.deepEqual(users(all), ["~ident3", "~ident2", "~ident1"], "newest first");
    assert.deepEqual(all.at(-1)!.params, ["asker", "someone", "End of WHOWAS"]);
    assert.equal(all.at(-1)!.command, "369");
    assert.deepEqual(all[0]!.params, ["asker", "someone", "~ident3", "127.0.0.1", "*", "Realname"]);
    assert.deepEqual(users(await whowas("WHOWAS someone 2")), ["~ident3", "~ident2"]);
    assert.deepEqual(users(await whowas("WHOWAS someone 1")), ["~ident3"]);
    assert.deepEqual(users(await whowas("WHOWAS someone 0")), ["~ident3", "~ident2", "~ident1"]);
    assert.deepEqual(users(await whowas("WHOWAS someone -1")), ["~ident3", "~ident2", "~ident1"]);
    assert.deepEqual(users(await whowas("WHOWAS SOMEONE 9")), ["~ident3", "~ident2", "~ident1"]);

    const none = await whowas("WHOWAS nobody");
    assert.deepEqual(none.map((m) => [m.command, ...m.params]), [
      ["406", "asker", "nobody", "There was no such nickname"],
      ["369", "asker", "nobody", "End of WHOWAS"],
    ]);
    // no nick at all: one reply (Modern IRC: ERR_NONICKNAMEGIVEN or ERR_NEEDMOREPARAMS)
    assert.deepEqual(commands(await whowas("WHOWAS :")), ["431"]);
    assert.deepEqual(commands(await whowas("WHOWAS")), ["461"]);
  } finally {
    for (const c of clients) await c.close();
    await asker.close();
    await server.shutdown();
  }
});
