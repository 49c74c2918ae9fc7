/**
 * The built-in services, reached with PRIVMSG to their nick or the NICKSERV/NS and CHANSERV/CS
 * commands.
 *
 * @module
 */

import { foldCase } from "../../protocol/casemap.ts";
import type { Context } from "../context.ts";
import { chanserv } from "./chanserv.ts";
import { nickserv } from "./nickserv.ts";

const SERVICES: Record<string, (ctx: Context, line: string) => void | Promise<void>> = {
  nickserv,
  chanserv,
};

/** Runs `text` as a command for the service named `nick`. */
export async function runService(ctx: Context, nick: string, text: string): Promise<void> {
  await SERVICES[foldCase(nick)]?.(ctx, text);
}
