/**
 * SASL SCRAM-SHA-256 over AUTHENTICATE for tests, from the client's side (scram_client.ts does
 * the arithmetic): runs an exchange on a connection that negotiated `sasl` and says how it ended.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { TestClient } from "../../scripts/support/irc_client.ts";
import { scramClientFinal } from "./scram_client.ts";

const decode = (b64: string) => Buffer.from(b64, "base64").toString("utf8");

/**
 * Logs in with SCRAM-SHA-256: "903" on success (after checking the server's signature), else the
 * failure numeric the server answered with.
 */
export async function scramLogin(
  c: TestClient,
  account: string,
  password: string,
  clientNonce = "fyko+d2lbbFgONRv9qkxdawL",
): Promise<string> {
  await c.send("AUTHENTICATE SCRAM-SHA-256");
  await c.expect((m) => m.command === "AUTHENTICATE" && m.params[0] === "+");
  const bare = `n=${account.replace(/=/g, "=3D").replace(/,/g, "=2C")},r=${clientNonce}`;
  await c.send(`AUTHENTICATE ${btoa(`n,,${bare}`)}`);
  const challenge = await c.expect((m) => m.command === "AUTHENTICATE" || m.command === "904");
  if (challenge.command !== "AUTHENTICATE") return challenge.command;
  const serverFirst = decode(challenge.params[0]!);
  if (!serverFirst.startsWith(`r=${clientNonce}`)) throw new Error(`bad nonce: ${serverFirst}`);
  const { clientFinal, serverSignature } = scramClientFinal(password, bare, serverFirst);
  await c.send(`AUTHENTICATE ${btoa(clientFinal)}`);
  const final = await c.expect((m) =>
    m.command === "AUTHENTICATE" || m.command === "904" || m.command === "905"
  );
  if (final.command !== "AUTHENTICATE") return final.command;
  if (decode(final.params[0]!) !== serverSignature) throw new Error("wrong server signature");
  await c.send("AUTHENTICATE +");
  await c.expect("900");
  return (await c.expect((m) => m.command === "903" || m.command === "904")).command;
}
