/**
 * HELP and HELPOP over real sockets, as the Modern IRC docs describe them: a topic in
 * RPL_HELPSTART (704), RPL_HELPTXT (705) and RPL_ENDOFHELP (706); the index without a topic,
 * under the subject `*`; ERR_HELPNOTFOUND (524) for an unknown topic; and a topic for every
 * command the server handles.
 *
 * @module
 */

import assert from "node:assert/strict";
import { TestClient } from "../../scripts/support/irc_client.ts";
import type { Message } from "../../protocol/message.ts";
import { COMMANDS } from "../../server/commands/index.ts";
import { testServer } from "../helpers/server.ts";

/** Sends a line and returns what answers it (up to a PING's PONG). */
async function ask(c: TestClient, line: string): Promise<Message[]> {
  await c.send(line);
  return await c.sync();
}

Deno.test("HELP <command>: 704, 705 lines, 706; HELPOP the same; any case", async () => {
  const server = await testServer();
  const c = await TestClient.register(server.addr.port, "val");
  try {
    const reply = await ask(c, "HELP MODE");
    assert.deepEqual(reply.map((m) => m.command), ["704", "705", "705", "705", "706"]);
    assert.deepEqual(reply[0]!.params, [
      "val",
      "MODE",
      "MODE <#channel|nick> [<modestring> [<arguments>...]]",
    ]);
    assert.ok(reply.slice(1, -1).every((m) => m.params[1] === "MODE"));
    assert.deepEqual(reply.at(-1)!.params, ["val", "MODE", "End of /HELP"]);
    // HELPOP is the older name; the subject comes back as asked
    const helpop = await ask(c, "HELPOP mode");
    assert.deepEqual(helpop.map((m) => m.params.slice(2)), reply.map((m) => m.params.slice(2)));
    assert.ok(helpop.every((m) => m.params[1] === "mode"));
    // the modes this server has are a topic of their own, +e and +I among them
    const modes = (await ask(c, "HELP CMODES")).map((m) => m.params[2]).join(" ");
    assert.match(modes, /\+e <mask> ban exception/);
    assert.match(modes, /\+I <mask> invite exception/);
  } finally {
    await c.close();
    await server.shutdown();
  }
});

Deno.test("HELP without a topic sends the index under `*`", async () => {
  const server = await testServer();
  const c = await TestClient.register(server.addr.port, "val");
  try {
    const reply = await ask(c, "HELP");
    assert.equal(reply[0]!.command, "704");
    assert.deepEqual(reply[0]!.params, ["val", "*", "** Help System **"]);
    assert.equal(reply.at(-1)!.command, "706");
    assert.ok(reply.every((m) => m.params[1] === "*"));
    const words = reply.flatMap((m) => m.params[2]!.split(" "));
    for (const topic of ["JOIN", "PRIVMSG", "HELP", "LIST", "CMODES"]) {
      assert.ok(words.includes(topic), topic);
    }
  } finally {
    await c.close();
    await server.shutdown();
  }
});

Deno.test("HELP on an unknown topic is 524 naming it; a subject with a space is named *", async () => {
  const server = await testServer();
  const c = await TestClient.register(server.addr.port, "val");
  try {
    assert.deepEqual((await ask(c, "HELP FOO")).map((m) => [m.command, ...m.params]), [
      ["524", "val", "FOO", "No help available on this topic"],
    ]);
    assert.deepEqual((await ask(c, "HELPOP :two words")).map((m) => [m.command, ...m.params]), [
      ["524", "val", "*", "No help available on this topic"],
    ]);
    // an inherited property name is no topic
    assert.deepEqual((await ask(c, "HELP constructor")).map((m) => m.command), ["524"]);
  } finally {
    await c.close();
    await server.shutdown();
  }
});

Deno.test("every command the server handles has a HELP topic", async () => {
  const server = await testServer({ floodControl: false }); // one HELP per command, at once
  const c = await TestClient.register(server.addr.port, "val");
  try {
    const missing: string[] = [];
    for (const verb of COMMANDS.keys()) {
      const reply = await ask(c, `HELP ${verb}`);
      const frame = reply.map((m) => m.command);
      if (frame[0] !== "704" || frame.at(-1) !== "706") missing.push(verb);
    }
    assert.deepEqual(missing, []);
    assert.ok(COMMANDS.has("HELP") && COMMANDS.has("HELPOP"));
  } finally {
    await c.close();
    await server.shutdown();
  }
});
