/**
 * NICKSERV/NS and CHANSERV/CS: shortcuts to the services that many clients send for `/ns` and
 * `/cs`.
 *
 * @module
 */

import type { CommandSpec } from "../command_table.ts";
import { runService } from "../services/index.ts";

const nickserv: CommandSpec = {
  minParams: 0,
  handler: (ctx, params) => runService(ctx, "NickServ", params.join(" ")),
};
const chanserv: CommandSpec = {
  minParams: 0,
  handler: (ctx, params) => runService(ctx, "ChanServ", params.join(" ")),
};

/** NICKSERV, NS, CHANSERV, CS. */
export const serviceCommands: Record<string, CommandSpec> = {
  NICKSERV: nickserv,
  NS: nickserv,
  CHANSERV: chanserv,
  CS: chanserv,
};
