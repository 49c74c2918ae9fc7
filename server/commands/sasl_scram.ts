/**
 * SASL SCRAM-SHA-256 over AUTHENTICATE: the steps of one exchange (client-first → server-first,
 * client-final → server-final, then the client's empty reply → logged in). The proof is checked
 * under the auth throttle like any password (login.ts `checkSecret`); an unknown account, or one
 * without a verifier yet, gets a fake salt and fails at the proof, as a wrong password does.
 *
 * @module
 */

import { foldCase } from "../../protocol/casemap.ts";
import type { Context } from "../context.ts";
import { checkSecret, TOO_MANY_ATTEMPTS } from "../login.ts";
import { fakeVerifier, parseClientFirst, ScramExchange } from "../scram.ts";
import { errorMessage } from "../../util/error_message.ts";

/** What a step came to: a message for the client, a failure to report, or the account. */
export type SaslOutcome = { reply: string } | { fail: string } | { account: string };

interface ScramState {
  exchange: ScramExchange;
  /** The name the client gave (the throttle's subject). */
  username: string;
  /** Set once the proof was right and the server-final message sent. */
  verified?: string;
}

/** Exchanges by the session's `sasl` record: a new or aborted exchange leaves its state behind. */
const exchanges = new WeakMap<object, ScramState>();

const FAILED = "SASL authentication failed";

/** One SCRAM message from the client (`text` undefined when it was not valid base64 UTF-8). */
export async function scramStep(
  ctx: Context,
  exchangeKey: object,
  text: string | undefined,
): Promise<SaslOutcome> {
  const state = exchanges.get(exchangeKey);
  if (text === undefined) return { fail: FAILED };
  if (!state) return await clientFirst(ctx, exchangeKey, text);
  if (state.verified !== undefined) {
    return text === "" ? { account: state.verified } : { fail: FAILED };
  }
  const account = ctx.stores.accounts.find(state.username);
  const result = await checkSecret(ctx, state.username, () => {
    const serverFinal = state.exchange.finish(text);
    return Promise.resolve(serverFinal !== undefined && account ? serverFinal : undefined);
  });
  if (result === "throttled") return { fail: TOO_MANY_ATTEMPTS };
  if (result === "unavailable") return { fail: "Accounts are unavailable; try again later" };
  if (result === "wrong") {
    ctx.server.log.warn(`failed SCRAM login to ${state.username} from ${ctx.user.source}`);
    return { fail: FAILED };
  }
  state.verified = account!.name;
  return { reply: result };
}

async function clientFirst(ctx: Context, key: object, text: string): Promise<SaslOutcome> {
  const first = parseClientFirst(text);
  if (!first) return { fail: FAILED };
  const account = ctx.stores.accounts.find(first.username);
  let verifier;
  try {
    verifier = account && await ctx.stores.accounts.scramVerifier(account.name);
  } catch (err) {
    ctx.server.log.error(`accounts: cannot read ${first.username}: ${errorMessage(err)}`);
    return { fail: "Accounts are unavailable; try again later" };
  }
  const exchange = verifier
    ? new ScramExchange(first, verifier)
    : new ScramExchange(first, fakeVerifier(foldCase(first.username)), true);
  exchanges.set(key, { exchange, username: first.username });
  return { reply: exchange.serverFirst };
}
