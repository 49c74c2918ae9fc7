/**
 * SEARCH (soju.im/search): a search of the history the asker may read now, answered as a
 * `soju.im/search` batch of the messages found (or, to a plain-text user, as readable lines).
 * Only for accounts: private history is kept per account, and a search is a store query that
 * costs (bounded by the store; see store/history_search.ts and cluster/redis_search.ts).
 *
 * @module
 */

import { msg } from "../../protocol/message.ts";
import { replayed, sendBatch } from "../batch.ts";
import type { CommandSpec } from "../command_table.ts";
import type { Context } from "../context.ts";
import { searchScope } from "../history_access.ts";
import { sendLong } from "../long_reply.ts";
import { Outgoing } from "../outgoing.ts";
import { parseSearch } from "../search_query.ts";
import { searchResultLine } from "../search_lines.ts";
import type { StoredMessage } from "../store/history.ts";
import { errorMessage } from "../../util/error_message.ts";

/** The capability and batch type of the extension. */
export const SEARCH_CAP = "soju.im/search";

/** Sends what was found: a batch, or lines between two notices for a plain-text user. */
function sendFound(ctx: Context, found: StoredMessage[]): void | Promise<void> {
  if (!ctx.session.plainText) return sendBatch(ctx, SEARCH_CAP, [], found.map(replayed));
  const notice = (text: string) =>
    new Outgoing(msg("NOTICE", [ctx.user.nick, text], ctx.server.name));
  const count = found.length === 1 ? "1 message" : `${found.length} messages`;
  return sendLong(ctx, [
    notice(`Search: ${count} found`),
    ...found.map((m) => notice(searchResultLine(m))),
    ...(found.length > 0 ? [notice("End of search")] : []),
  ]);
}

/** The store failed (not the query): the asker is told so, the log says why. */
function internalError(ctx: Context, err: unknown): void {
  ctx.server.log.warn(`history: search failed: ${errorMessage(err)}`);
  ctx.fail("SEARCH", "INTERNAL_ERROR", "The search could not be run");
}

/** SEARCH. */
export const searchCommands: Record<string, CommandSpec> = {
  SEARCH: {
    minParams: 0,
    handler(ctx, params) {
      const { user, hub, stores, server } = ctx;
      if (user.account === undefined) {
        ctx.fail("SEARCH", "ACCOUNT_REQUIRED", "Log in to an account to search history");
        return;
      }
      const request = parseSearch(params[0] ?? "", server.history.queryLimit);
      if ("problem" in request) {
        ctx.fail("SEARCH", "INVALID_PARAMS", request.attribute, request.problem);
        return;
      }
      const scope = searchScope(user, request.in, hub, stores.accounts);
      if (scope === undefined) {
        ctx.fail("SEARCH", "INVALID_PARAMS", "in", "You are not on that channel");
        return;
      }
      const { words, from, after, before, limit } = request;
      let found;
      try {
        found = stores.history.search(scope, { words, from, after, before, limit });
      } catch (err) {
        return internalError(ctx, err);
      }
      if (!(found instanceof Promise)) return sendFound(ctx, found);
      return found.then((list) => sendFound(ctx, list), (err) => internalError(ctx, err));
    },
  },
};
