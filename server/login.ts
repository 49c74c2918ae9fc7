/**
 * Logging in and out of accounts (SASL, NickServ IDENTIFY, REGISTER all end here), and the
 * protection of registered nicks: whoever holds one without its account is told to log in and,
 * after the grace period, renamed.
 *
 * @module
 */

import { klined } from "./kline_refusal.ts";
import { foldCase } from "../protocol/casemap.ts";
import { msg } from "../protocol/message.ts";
import { N } from "../protocol/numerics.ts";
import { isAlwaysOn } from "./always_on.ts";
import { attachToAccount, sendUserState } from "./attach.ts";
import type { Context } from "./context.ts";
import type { Hub } from "./hub.ts";
import { Outgoing } from "./outgoing.ts";
import type { ServerInfo } from "./server_info.ts";
import type { User } from "./state/user.ts";
import type { AccountStore } from "./store/accounts.ts";
import { errorMessage } from "../util/error_message.ts";

/** Nicks of the built-in services; nobody else may use them. */
export const SERVICE_NICKS: readonly string[] = ["NickServ", "ChanServ"];

const FOLDED_SERVICE_NICKS: ReadonlySet<string> = new Set(SERVICE_NICKS.map(foldCase));

/** True for `NickServ`, `chanserv`, …. Asked for every PRIVMSG target: one set lookup. */
export function isServiceNick(nick: string): boolean {
  return FOLDED_SERVICE_NICKS.has(foldCase(nick));
}

/** A NOTICE from a service to one user (each of its sessions). */
export function serviceNotice(user: User, server: ServerInfo, service: string, text: string): void {
  user.send(serviceLine(user, server, service, text));
}

/** The NOTICE a service answers with; `ctx.answer` it to reach only the asking session. */
export function serviceLine(
  user: User,
  server: ServerInfo,
  service: string,
  text: string,
): Outgoing {
  return new Outgoing(msg("NOTICE", [user.nick, text], `${service}!${service}@${server.name}`));
}

/**
 * Logs the user in: neighbours with `account-notify` are told, the user gets 900. A registered
 * user whose account already has a user here becomes a session of it (attach.ts); one still
 * registering does when its registration completes.
 */
export async function logIn(ctx: Context, account: string): Promise<void> {
  const { user } = ctx;
  if (user.registered && klined(ctx, account)) return; // a $a: K-line: not logged in, gone
  ctx.hub.setAccount(user, account);
  ctx.reply(N.RPL_LOGGEDIN, user.source, account, `You are now logged in as ${account}`);
  user.alwaysOn = await alwaysOnChoice(ctx, account);
  const attached = user.registered ? await attachToAccount(ctx) : "alone";
  if (typeof attached === "object") await sendUserState(ctx, attached.missedSince);
  else if (attached !== "moved") {
    if (user.registered && user.alwaysOn) ctx.hub.keepAlwaysOn?.(user);
    protectNick(ctx);
  }
}

/** Whether `account` is always-on (false when the store cannot say: nothing is promised). */
async function alwaysOnChoice(ctx: Context, account: string): Promise<boolean> {
  if (ctx.server.alwaysOn.policy === "off") return false;
  try {
    return isAlwaysOn(ctx.server.alwaysOn, await ctx.stores.alwaysOn.choice(account));
  } catch (err) {
    ctx.server.log.warn(`always-on: cannot read ${account}'s choice: ${errorMessage(err)}`);
    return false;
  }
}

/** Shortest password accepted for a new account. */
export const MIN_PASSWORD_LENGTH = 8;

/** Why an account could not be created for the user, or "created" (and logged in). */
export type RegisterResult =
  | "created"
  | "exists"
  | "weak-password"
  | "bad-name"
  | "logged-in"
  | "throttled"
  | "unavailable";

/** What a refused password check is told, whichever command it came by. */
export const TOO_MANY_ATTEMPTS = "Too many attempts; try again later";

/** What a registration over its source's budget is told (REGISTER and NickServ). */
export const REGISTRATIONS_THROTTLED =
  "Too many accounts registered from your address; try again later";

/** Creates an account named after the user's current nick and logs the user in to it. */
export async function registerAccount(ctx: Context, password: string): Promise<RegisterResult> {
  const { user } = ctx;
  if (user.account !== undefined) return "logged-in";
  if (!user.registered || isServiceNick(user.nick) || /^Guest\d+$/i.test(user.nick)) {
    return "bad-name";
  }
  if (password.length < MIN_PASSWORD_LENGTH) return "weak-password";
  if (ctx.stores.accounts.find(user.nick)) return "exists";
  if (!ctx.server.authThrottle.allowRegistration(user)) return "throttled";
  let result;
  try {
    result = await ctx.stores.accounts.create(user.nick, password);
  } catch (err) {
    ctx.server.log.error(`accounts: cannot register ${user.nick}: ${errorMessage(err)}`);
    return "unavailable"; // the store (Redis in a cluster) is unreachable: say so, do not crash
  }
  if (result === "exists") return "exists";
  await logIn(ctx, user.nick);
  return "created";
}

/** What a password check came to: what the secret unlocked, or why not. */
export type SecretCheck<T> = T | "throttled" | "wrong" | "unavailable";

/**
 * Runs `verify` (a password hash) for `subject` under the auth throttle: refused without
 * hashing when a budget is spent, and a connection that fails too often is closed. Every
 * password check (SASL, NickServ, OPER) goes through here.
 */
export async function checkSecret<T>(
  ctx: Context,
  subject: string,
  verify: () => Promise<T | undefined>,
): Promise<SecretCheck<T>> {
  const throttle = ctx.server.authThrottle;
  const permit = throttle.beginCheck(ctx.user, subject);
  if (permit === "close") ctx.disconnect("Too many failed login attempts");
  if (typeof permit === "string") return "throttled";
  let found;
  try {
    found = await verify();
  } catch (err) {
    ctx.server.log.error(`accounts: cannot check ${subject}: ${errorMessage(err)}`);
    return "unavailable";
  }
  if (found !== undefined) {
    throttle.succeeded(permit);
    return found;
  }
  if (throttle.failed(permit)) ctx.disconnect("Too many failed login attempts");
  return "wrong";
}

/** Checks an account's password; the account, or why not. */
export async function checkPassword(
  ctx: Context,
  account: string,
  password: string,
): Promise<SecretCheck<{ name: string }>> {
  const result = await checkSecret(
    ctx,
    account,
    () => ctx.stores.accounts.verify(account, password),
  );
  if (result === "wrong") ctx.server.log.warn(`failed login to ${account} from ${ctx.user.source}`);
  return result;
}

/** Logs the user out (901); it is no longer always-on. */
export function logOut(ctx: Context): void {
  if (ctx.user.alwaysOn) {
    ctx.user.alwaysOn = false;
    ctx.hub.keepAlwaysOn?.(ctx.user); // forgets it
  }
  ctx.hub.setAccount(ctx.user, undefined);
  ctx.reply(N.RPL_LOGGEDOUT, ctx.user.source, "You are now logged out");
  protectNick(ctx);
}

/**
 * Starts (or clears) the grace period of a registered user who holds a nick registered to
 * another account.
 */
export function protectNick(ctx: Context, now = Date.now()): void {
  const { user, server } = ctx;
  if (!user.registered) return;
  const owner = ctx.stores.accounts.find(user.nick);
  if (!owner || (user.account && foldCase(user.account) === foldCase(owner.name))) {
    user.nickDeadline = undefined;
    return;
  }
  if (user.nickDeadline !== undefined) return;
  user.nickDeadline = now + server.limits.nickGraceMs;
  const seconds = Math.round(server.limits.nickGraceMs / 1000);
  serviceNotice(
    user,
    server,
    "NickServ",
    `The nick ${user.nick} is registered. Log in with /msg NickServ IDENTIFY <password> ` +
      `within ${seconds} seconds, or you will be renamed.`,
  );
}

/** Renames a user whose grace period ran out; called from the session clock. */
export async function enforceNick(
  user: User,
  hub: Hub,
  accounts: AccountStore,
  server: ServerInfo,
): Promise<void> {
  user.nickDeadline = undefined;
  const owner = accounts.find(user.nick);
  if (!owner || (user.account && foldCase(user.account) === foldCase(owner.name))) return;
  for (let i = 0; i < 20; i++) {
    const guest = `Guest${Math.floor(10000 + Math.random() * 90000)}`;
    if (await hub.changeNick(user, guest)) {
      serviceNotice(
        user,
        server,
        "NickServ",
        `You were renamed to ${guest}: that nick is registered.`,
      );
      return;
    }
  }
}
