/**
 * The command table: verb → handler, with the checks every command shares (registration state,
 * parameter count) done once here instead of in each handler.
 *
 * @module
 */

import type { Message } from "../protocol/message.ts";
import { N } from "../protocol/numerics.ts";
import type { Context } from "./context.ts";

/** Handles one command; may be async when it waits on the hub. */
export type Handler = (ctx: Context, params: string[], message: Message) => void | Promise<void>;

/** How a verb is dispatched. */
export interface CommandSpec {
  /** Fewer parameters get 461 ERR_NEEDMOREPARAMS. */
  minParams: number;
  /** Usable before the welcome (NICK, USER, CAP, PASS, PING, PONG, QUIT). */
  beforeRegistration?: boolean;
  handler: Handler;
}

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
  return spec.handler(ctx, message.params, message);
}
