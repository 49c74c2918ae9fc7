/**
 * The command table: verb → handler, with the checks every command shares (registration state,
 * parameter count) done once here instead of in each handler.
 *
 * @module
 */

import type { Message } from "../protocol/message.ts";
import { N } from "../protocol/numerics.ts";
import type { Context } from "./context.ts";

/**
 * Parameters with at least `N` present: dispatch checks the count against `minParams`, so a
 * handler destructures what its spec requires without an undefined check per command.
 */
export type Params<N extends number, Have extends string[] = []> = Have["length"] extends N
  ? [...Have, ...string[]]
  : Params<N, [...Have, string]>;

/** Handles one command; may be async when it waits on the hub. */
export type Handler<N extends number = number> = (
  ctx: Context,
  params: Params<N>,
  message: Message,
) => void | Promise<void>;

/** A verb needing `N` parameters; the literal `minParams` types the handler's `params`. */
interface Spec<N extends number> {
  /** Fewer parameters get 461 ERR_NEEDMOREPARAMS. */
  minParams: N;
  /** Usable before the welcome (NICK, USER, CAP, PASS, PING, PONG, QUIT). */
  beforeRegistration?: boolean;
  handler: Handler<N>;
}

/** How a verb is dispatched: one spec per parameter count the table uses. */
export type CommandSpec = Spec<0> | Spec<1> | Spec<2> | Spec<3> | Spec<4>;

/** Verbs (upper case) to their specs. */
export type CommandTable = ReadonlyMap<string, CommandSpec>;

/**
 * Runs one parsed message against the table, answering 421, 451 or 461 when it cannot run.
 * Returns the handler's promise when it is async so the caller can keep commands in order.
 */
export function dispatch(
  table: CommandTable,
  ctx: Context,
  message: Message,
): void | Promise<void> {
  const spec = table.get(message.command);
  const registered = ctx.user.registered;
  if (!spec) {
    if (registered) ctx.reply(N.ERR_UNKNOWNCOMMAND, message.command, "Unknown command");
    else ctx.reply(N.ERR_NOTREGISTERED, "You have not registered");
    return;
  }
  if (!registered && !spec.beforeRegistration) {
    ctx.reply(N.ERR_NOTREGISTERED, "You have not registered");
    return;
  }
  if (message.params.length < spec.minParams) {
    ctx.reply(N.ERR_NEEDMOREPARAMS, message.command, "Not enough parameters");
    return;
  }
  // The count is checked just above, so the spec's own Params<N> holds.
  return (spec.handler as Handler)(ctx, message.params, message);
}
