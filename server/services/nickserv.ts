/**
 * NickServ: accounts for clients without IRCv3 account registration or SASL —
 * `/msg NickServ REGISTER|IDENTIFY|LOGOUT|INFO|GHOST|DROP|CERT|HELP`.
 *
 * @module
 */

import { disconnectUser } from "../hub.ts";
import { foldCase } from "../../protocol/casemap.ts";
import type { Context } from "../context.ts";
import { ownerId } from "../store/conversations.ts";
import {
  checkPassword,
  logIn,
  logOut,
  MIN_PASSWORD_LENGTH,
  protectNick,
  registerAccount,
  REGISTRATIONS_THROTTLED,
  serviceLine,
  TOO_MANY_ATTEMPTS,
} from "../login.ts";
import { errorMessage } from "../../util/error_message.ts";
import { certCommand } from "./nickserv_cert.ts";

const UNAVAILABLE = "Accounts are unavailable right now; try again later.";

const HELP = [
  "NickServ keeps your nick yours. Commands:",
  "  REGISTER <password>            register your current nick as an account",
  "  IDENTIFY [account] <password>  log in (or use SASL PLAIN in your client)",
  "  LOGOUT                         log out",
  "  SET ALWAYS-ON on|off           stay on the network (away) with no connection",
  "  INFO [nick]                    show an account",
  "  GHOST <nick> [password]        disconnect someone using your nick",
  "  DROP <password>                delete your account",
  "  CERT ADD [fp] | DEL fp | LIST  TLS client certificates that log in (SASL EXTERNAL)",
];

/** Runs one NickServ command line. */
export async function nickserv(ctx: Context, line: string): Promise<void> {
  const { user, server, stores, hub } = ctx;
  // to the asking session, and to the user it attached to once IDENTIFY attaches it
  const say = (text: string) => ctx.answer(serviceLine(ctx.user, server, "NickServ", text));
  const [verb = "", ...args] = line.trim().split(/\s+/);
  switch (verb.toUpperCase()) {
    case "REGISTER": {
      const result = await registerAccount(ctx, args[0] ?? "");
      switch (result) {
        case "created":
          return say(`Account ${user.nick} registered; you are logged in.`);
        case "exists":
          return say(`${user.nick} is already registered. Log in with IDENTIFY.`);
        case "weak-password":
          return say(`Use a password of at least ${MIN_PASSWORD_LENGTH} characters.`);
        case "logged-in":
          return say(`You are already logged in as ${user.account}.`);
        case "bad-name":
          return say(`${user.nick} cannot be registered.`);
        case "throttled":
          return say(`${REGISTRATIONS_THROTTLED}.`);
        case "unavailable":
          return say(UNAVAILABLE);
      }
      return;
    }
    case "IDENTIFY": {
      const [account, password] = args.length >= 2 ? args : [user.nick, args[0]];
      if (!password) return say("Usage: IDENTIFY [account] <password>");
      if (user.account !== undefined) return say(`You are already logged in as ${user.account}.`);
      const result = await checkPassword(ctx, account, password);
      if (result === "throttled") return say(`${TOO_MANY_ATTEMPTS}.`);
      if (result === "wrong") return say("Wrong account name or password.");
      if (result === "unavailable") return say(UNAVAILABLE);
      await logIn(ctx, result.name);
      return say(`You are now logged in as ${result.name}.`);
    }
    case "LOGOUT":
      if (user.account === undefined) return say("You are not logged in.");
      logOut(ctx);
      return say("You are now logged out.");
    case "INFO": {
      const name = args[0] ?? user.account ?? user.nick;
      const account = stores.accounts.find(name);
      if (!account) return say(`${name} is not registered.`);
      const online = [...hub.users()].filter((u) =>
        u.account && foldCase(u.account) === foldCase(account.name)
      ).map((u) => u.nick);
      say(`${account.name}: registered ${new Date(account.created).toUTCString()}`);
      return say(online.length ? `Logged in now as: ${online.join(", ")}` : "Not logged in now.");
    }
    case "GHOST": {
      const [nick, password] = args;
      if (!nick) return say("Usage: GHOST <nick> [password]");
      const target = hub.findUser(nick);
      if (!target || target === user) return say(`${nick} is not online.`);
      const account = stores.accounts.find(nick);
      if (!account) return say(`${nick} is not registered.`);
      const owns = user.account !== undefined && foldCase(user.account) === foldCase(account.name);
      if (!owns) {
        if (!password) return say("Log in first, or give the account's password.");
        const result = await checkPassword(ctx, account.name, password);
        if (result === "throttled") return say(`${TOO_MANY_ATTEMPTS}.`);
        if (result === "wrong") return say("Wrong password.");
        if (result === "unavailable") return say(UNAVAILABLE);
      }
      disconnectUser(hub, target, `Ghosted by ${user.nick}`);
      return say(`${nick} has been disconnected.`);
    }
    case "DROP": {
      if (user.account === undefined) return say("Log in to the account you want to drop.");
      const result = await checkPassword(ctx, user.account, args[0] ?? "");
      if (result === "throttled") return say(`${TOO_MANY_ATTEMPTS}.`);
      if (result === "wrong") return say("Wrong password.");
      if (result === "unavailable") return say(UNAVAILABLE);
      const name = user.account;
      const account = stores.accounts.find(name);
      try {
        await stores.accounts.dropAccount(name);
      } catch (err) {
        ctx.server.log.error(`accounts: cannot drop ${name}: ${errorMessage(err)}`);
        return say(UNAVAILABLE);
      }
      // its private history goes with it: a new account of that name is someone else
      if (account) stores.history.forgetOwner(ownerId(account));
      hub.accountDropped(name); // this user and every other one logged in to it get a 901
      protectNick(ctx);
      return say(`Account ${name} dropped.`);
    }
    case "SET": {
      const [setting = "", value = ""] = args;
      const on = value.toLowerCase();
      if (setting.toUpperCase() !== "ALWAYS-ON" || (on !== "on" && on !== "off")) {
        return say("Usage: SET ALWAYS-ON on|off");
      }
      if (user.account === undefined) return say("Log in first.");
      if (ctx.server.alwaysOn.policy === "off") return say("Always-on is off on this server.");
      try {
        await stores.alwaysOn.setChoice(user.account, on === "on");
      } catch (err) {
        ctx.server.log.error(`always-on: cannot save ${user.account}: ${errorMessage(err)}`);
        return say(UNAVAILABLE);
      }
      user.alwaysOn = on === "on";
      hub.keepAlwaysOn?.(user);
      return say(
        user.alwaysOn
          ? "Always-on: you stay on the network, away, when your last connection ends."
          : "Always-on is off: you leave the network with your last connection.",
      );
    }
    case "CERT":
      return certCommand(ctx, args, say, UNAVAILABLE);
    case "HELP":
    case "":
      for (const l of HELP) say(l);
      return;
    default:
      return say(`Unknown command ${verb}. /msg NickServ HELP`);
  }
}
