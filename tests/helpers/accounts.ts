/**
 * Accounts over real sockets, for the tests of sessions and always-on users: a connection that
 * registers its nick as an account, one that logs in with SASL PLAIN, and a channel's NAMES.
 *
 * @module
 */

import { TestClient } from "../../scripts/support/irc_client.ts";

/** The password of every account these helpers make. */
export const PASSWORD = "correct-horse-battery";

/** Registers `nick` and its account (named after it, password `PASSWORD`). */
export async function withAccount(
  port: number,
  nick: string,
  caps: string[] = [],
): Promise<TestClient> {
  const c = await TestClient.register(port, nick, caps);
  await c.send(`PRIVMSG NickServ :REGISTER ${PASSWORD}`);
  await c.expect("900");
  return c;
}

/**
 * Connects, logs in to `account` with SASL PLAIN asking for `nick` and `caps`, and completes
 * registration (the welcome is left to the caller to read).
 */
export async function viaSasl(
  port: number,
  account: string,
  nick: string,
  caps: string[] = [],
  password = PASSWORD,
): Promise<TestClient> {
  const c = await TestClient.connect(port);
  await c.send("CAP LS 302");
  await c.send(`CAP REQ :${["sasl", ...caps].join(" ")}`);
  await c.expect((m) => m.command === "CAP" && m.params[1] === "ACK");
  await c.send("AUTHENTICATE PLAIN");
  await c.expect("AUTHENTICATE");
  await c.send(`AUTHENTICATE ${btoa(`\0${account}\0${password}`)}`);
  await c.expect("903");
  await c.send(`NICK ${nick}`);
  await c.send("USER u 0 * :Someone");
  await c.send("CAP END");
  return c;
}

/** The nicks of a channel's NAMES reply, sorted, without status prefixes. */
export async function names(c: TestClient, channel: string): Promise<string[]> {
  await c.send(`NAMES ${channel}`);
  const reply = await c.expect("353");
  await c.expect("366");
  return (reply.params[3] ?? "").split(" ").map((n) => n.replace(/^[@+]+/, "")).sort();
}
