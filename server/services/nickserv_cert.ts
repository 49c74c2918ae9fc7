/**
 * `NickServ CERT ADD [fingerprint] | DEL <fingerprint> | LIST`: the TLS client certificates that
 * log in to the caller's account with SASL EXTERNAL (as Ergo's NickServ CERT). ADD without a
 * fingerprint adds the certificate of the connection asking.
 *
 * @module
 */

import type { Context } from "../context.ts";
import { MAX_CERTS_PER_ACCOUNT } from "../store/accounts.ts";
import { errorMessage } from "../../util/error_message.ts";

/**
 * A SHA-256 fingerprint as kept and compared: 64 hex digits, lowercase, without the colons that
 * `openssl x509 -fingerprint` prints (which are accepted); undefined for anything else.
 */
export function parseFingerprint(text: string): string | undefined {
  const hex = text.replaceAll(":", "").toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? hex : undefined;
}

/** Runs CERT with `args` (after the word CERT); `say` answers the asking session. */
export async function certCommand(
  ctx: Context,
  args: string[],
  say: (text: string) => void,
  unavailable: string,
): Promise<void> {
  const account = ctx.user.account;
  const [sub = "", given] = args;
  const verb = sub.toUpperCase();
  if (!["ADD", "DEL", "LIST"].includes(verb)) {
    return say("Usage: CERT ADD [fingerprint] | CERT DEL <fingerprint> | CERT LIST");
  }
  if (account === undefined) return say("Log in first.");
  const accounts = ctx.stores.accounts;
  try {
    if (verb === "LIST") {
      const fps = await accounts.certs(account);
      if (fps.length === 0) return say(`${account} has no certificate fingerprints.`);
      say(`Certificate fingerprints of ${account}:`);
      for (const fp of fps) say(`  ${fp}`);
      return;
    }
    const fp = given === undefined && verb === "ADD"
      ? ctx.session.certFp
      : parseFingerprint(given ?? "");
    if (fp === undefined) {
      return say(
        given === undefined && verb === "ADD"
          ? "Your connection has no TLS client certificate; give a fingerprint."
          : "A fingerprint is 64 hex digits (SHA-256), colons allowed.",
      );
    }
    if (verb === "DEL") {
      return say(
        await accounts.deleteCert(account, fp)
          ? `Fingerprint ${fp} removed from ${account}.`
          : `${fp} is not a fingerprint of ${account}.`,
      );
    }
    switch (await accounts.addCert(account, fp)) {
      case "added":
        return say(`Fingerprint ${fp} added: it logs in to ${account} with SASL EXTERNAL.`);
      case "exists":
        return say(`${fp} is already a fingerprint of ${account}.`);
      case "taken":
        return say(`${fp} belongs to another account.`);
      case "full":
        return say(`An account holds at most ${MAX_CERTS_PER_ACCOUNT} fingerprints.`);
    }
  } catch (err) {
    ctx.server.log.error(`accounts: CERT ${verb} for ${account}: ${errorMessage(err)}`);
    return say(unavailable);
  }
}
