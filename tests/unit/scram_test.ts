/**
 * The SCRAM-SHA-256 server side against RFC 7677's example exchange (user "user", password
 * "pencil"), and the ways an exchange must fail: a wrong password, a changed nonce or channel
 * binding, an unknown account, malformed or over-long client-first messages.
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  decodeVerifier,
  deriveScramVerifier,
  encodeVerifier,
  fakeVerifier,
  MAX_CLIENT_NONCE,
  parseClientFirst,
  ScramExchange,
} from "../../server/scram.ts";
import { scramClientFinal } from "../helpers/scram_client.ts";

// RFC 7677 section 3
const CLIENT_FIRST = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
const SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
const SALT = Buffer.from("W22ZaJ0SNY7soEsUEjb6gQ==", "base64");
const SERVER_FIRST =
  "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
const CLIENT_FINAL = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0," +
  "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
const SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

async function rfcExchange(): Promise<ScramExchange> {
  const verifier = await deriveScramVerifier("pencil", SALT, 4096);
  return new ScramExchange(parseClientFirst(CLIENT_FIRST)!, verifier, false, SERVER_NONCE);
}

Deno.test("SCRAM: RFC 7677's example exchange, message by message", async () => {
  const first = parseClientFirst(CLIENT_FIRST)!;
  assert.deepEqual(first, {
    gs2: "n,,",
    bare: "n=user,r=rOprNGfwEbeRWgbNEkqO",
    username: "user",
    nonce: "rOprNGfwEbeRWgbNEkqO",
  });
  const exchange = await rfcExchange();
  assert.equal(exchange.serverFirst, SERVER_FIRST);
  assert.equal(exchange.finish(CLIENT_FINAL), SERVER_FINAL);
});

Deno.test("SCRAM: the test client computes RFC 7677's client-final and checks its server-final", () => {
  const { clientFinal, serverSignature } = scramClientFinal(
    "pencil",
    "n=user,r=rOprNGfwEbeRWgbNEkqO",
    SERVER_FIRST,
  );
  assert.equal(clientFinal, CLIENT_FINAL);
  assert.equal(serverSignature, SERVER_FINAL);
});

Deno.test("SCRAM: a wrong password, nonce or binding fails", async () => {
  const wrongPassword = scramClientFinal("pencil2", "n=user,r=rOprNGfwEbeRWgbNEkqO", SERVER_FIRST);
  assert.equal((await rfcExchange()).finish(wrongPassword.clientFinal), undefined);
  assert.equal((await rfcExchange()).finish(CLIENT_FINAL.replace("k0,p=", "k1,p=")), undefined);
  assert.equal((await rfcExchange()).finish(CLIENT_FINAL.replace("c=biws", "c=eSws")), undefined);
  assert.equal((await rfcExchange()).finish("c=biws"), undefined);
  assert.equal((await rfcExchange()).finish(CLIENT_FINAL.replace(/p=.*/, "p=AAAA")), undefined);
});

Deno.test("SCRAM: an unknown account fails even with the proof its fake salt would need", () => {
  const first = parseClientFirst("n,,n=nobody,r=abc")!;
  const verifier = fakeVerifier("nobody");
  assert.deepEqual(fakeVerifier("nobody").salt, verifier.salt, "the same salt every time");
  const exchange = new ScramExchange(first, verifier, true);
  const { clientFinal } = scramClientFinal("x", first.bare, exchange.serverFirst);
  assert.equal(exchange.finish(clientFinal), undefined);
});

Deno.test("SCRAM: client-first messages that are refused", () => {
  for (
    const bad of [
      "",
      "p=tls-unique,,n=user,r=abc", // channel binding is not offered
      "n,,m=ext,n=user,r=abc", // a mandatory extension
      "n,a=admin,n=user,r=abc", // authorizing as someone else
      "n,,n=us=er,r=abc", // a bad escape
      "n,,n=,r=abc",
      "n,,n=user,r=",
      `n,,n=user,r=${"x".repeat(MAX_CLIENT_NONCE + 1)}`,
    ]
  ) assert.equal(parseClientFirst(bad), undefined, bad);
  assert.equal(parseClientFirst("n,a=u=2Cv,n=u=2Cv,r=abc")?.username, "u,v");
  assert.equal(parseClientFirst("y,,n=user,r=abc")?.gs2, "y,,");
});

Deno.test("SCRAM: a verifier survives encoding for the store", async () => {
  const v = await deriveScramVerifier("pencil", SALT, 4096);
  assert.deepEqual(decodeVerifier(encodeVerifier(v)), {
    ...v,
    salt: Buffer.from(v.salt),
    storedKey: Buffer.from(v.storedKey),
    serverKey: Buffer.from(v.serverKey),
  });
  assert.equal(decodeVerifier("garbage"), undefined);
});
