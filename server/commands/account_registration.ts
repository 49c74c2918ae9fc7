/**
 * REGISTER and VERIFY (IRCv3 `draft/account-registration`): create an account named after the
 * current nick, no email needed, so there is never anything to verify.
 *
 * @module
 */

import { foldCase } from "../../protocol/casemap.ts";
import type { CommandSpec } from "../command_table.ts";
import { MIN_PASSWORD_LENGTH, registerAccount, REGISTRATIONS_THROTTLED } from "../login.ts";

/** REGISTER, VERIFY. */
export const accountRegistrationCommands: Record<string, CommandSpec> = {
  REGISTER: {
    minParams: 3,
    beforeRegistration: true,
    async handler(ctx, [account, , password]) {
      const { user } = ctx;
      if (!user.registered) {
        ctx.fail("REGISTER", "COMPLETE_CONNECTION_REQUIRED", account, "Finish connecting first");
        return;
      }
      if (account !== "*" && foldCase(account) !== user.folded) {
        ctx.fail("REGISTER", "BAD_ACCOUNT_NAME", account, "The account name must be your nick");
        return;
      }
      const result = await registerAccount(ctx, password);
      switch (result) {
        case "created":
          ctx.sendFromServer("REGISTER", ["SUCCESS", user.nick, "Account created"]);
          return;
        case "exists":
          ctx.fail("REGISTER", "ACCOUNT_EXISTS", user.nick, "That account already exists");
          return;
        case "weak-password":
          ctx.fail(
            "REGISTER",
            "WEAK_PASSWORD",
            user.nick,
            `Use at least ${MIN_PASSWORD_LENGTH} characters`,
          );
          return;
        case "logged-in":
          ctx.fail("REGISTER", "ALREADY_AUTHENTICATED", user.nick, "You are already logged in");
          return;
        case "bad-name":
          ctx.fail("REGISTER", "BAD_ACCOUNT_NAME", user.nick, "That name cannot be registered");
          return;
        case "throttled":
          ctx.fail("REGISTER", "TEMPORARILY_UNAVAILABLE", user.nick, REGISTRATIONS_THROTTLED);
          return;
        case "unavailable":
          ctx.fail("REGISTER", "TEMPORARILY_UNAVAILABLE", user.nick, "Try again later");
      }
    },
  },
  VERIFY: {
    minParams: 2,
    beforeRegistration: true,
    handler(ctx, [account]) {
      ctx.fail("VERIFY", "INVALID_CODE", account, "No verification is pending");
    },
  },
};
