/**
 * The client side of SCRAM-SHA-256 for tests, written from RFC 5802 apart from the server's
 * code: the client-final message for a password, and the server signature to expect.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { createHash, createHmac, pbkdf2Sync } from "node:crypto";

/** What the client sends last, and the server-final message (`v=…`) a real server answers. */
export function scramClientFinal(
  password: string,
  clientFirstBare: string,
  serverFirst: string,
): { clientFinal: string; serverSignature: string } {
  const attrs = new Map(serverFirst.split(",").map((a) => [a[0]!, a.slice(2)]));
  const salted = pbkdf2Sync(
    password,
    Buffer.from(attrs.get("s")!, "base64"),
    Number(attrs.get("i")),
    32,
    "sha256",
  );
  const hmac = (key: Uint8Array, text: string) => createHmac("sha256", key).update(text).digest();
  const clientKey = hmac(salted, "Client Key");
  const storedKey = createHash("sha256").update(clientKey).digest();
  const withoutProof = `c=biws,r=${attrs.get("r")}`;
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
  const signature = hmac(storedKey, authMessage);
  const proof = clientKey.map((b, i) => b ^ signature[i]!);
  return {
    clientFinal: `${withoutProof},p=${Buffer.from(proof).toString("base64")}`,
    serverSignature: `v=${hmac(hmac(salted, "Server Key"), authMessage).toString("base64")}`,
  };
}
