/**
 * HELP and its older name HELPOP: a topic's text in RPL_HELPSTART, RPL_HELPTXT and
 * RPL_ENDOFHELP, or ERR_HELPNOTFOUND (Modern IRC). The texts live in help_texts.ts.
 *
 * @module
 */

import { N } from "../../protocol/numerics.ts";
import type { CommandSpec, Handler } from "../command_table.ts";
import type { Context } from "../context.ts";
import { helpIndex, helpTopic } from "../help_texts.ts";

/** Sends one topic: its first line opens it, the rest follow, and an end line closes it. */
function sendTopic(ctx: Context, subject: string, lines: readonly string[]): void {
  const [first, ...rest] = lines;
  ctx.reply(N.RPL_HELPSTART, subject, first ?? "");
  for (const line of rest) ctx.reply(N.RPL_HELPTXT, subject, line);
  ctx.reply(N.RPL_ENDOFHELP, subject, "End of /HELP");
}

const help: Handler<0> = (ctx, [subject]) => {
  if (subject === undefined || subject === "") {
    sendTopic(ctx, "*", helpIndex());
    return;
  }
  const lines = helpTopic(subject);
  // a subject that cannot be a middle parameter (a space, a leading colon) is named `*`
  const named = /^[^\s:][^\s]*$/.test(subject) ? subject : "*";
  if (lines) sendTopic(ctx, named, lines);
  else ctx.reply(N.ERR_HELPNOTFOUND, named, "No help available on this topic");
};

/** HELP, HELPOP. */
export const helpCommands: Record<string, CommandSpec> = {
  HELP: { minParams: 0, handler: help },
  HELPOP: { minParams: 0, handler: help },
};
