/**
 * Catching up: a session that attaches to an always-on user who had none, and cannot ask for
 * history itself (no `draft/chathistory`), is sent what was said while nobody was there. Per
 * conversation, that is what came after the later of the account's read marker there and the
 * end of the user's last session, at most `--history-replay` lines, channels and private
 * conversations alike; sent once, since the next catch-up starts where this session ends.
 *
 * @module
 */

import { foldCase } from "../protocol/casemap.ts";
import { replay } from "./commands/chathistory.ts";
import type { Context } from "./context.ts";
import { targetScope } from "./history_access.ts";
import { isChannelKey } from "./store/conversations.ts";
import { errorMessage } from "../util/error_message.ts";

/** Most private conversations one catch-up replays (the most recent ones). */
const MAX_PRIVATE_CONVERSATIONS = 50;

/** True when the session should be caught up rather than replayed the usual lines. */
export function catchesUp(ctx: Context): boolean {
  return ctx.server.history.replayLines > 0 && !ctx.has("draft/chathistory");
}

/** The start of what the user missed in `target` (folded): after its marker and `since`. */
async function missedFrom(ctx: Context, target: string, since: number): Promise<number> {
  const account = ctx.user.account;
  if (account === undefined) return since;
  try {
    const marker = await ctx.stores.readMarkers.get(foldCase(account), target);
    return Math.max(marker ?? 0, since);
  } catch (err) {
    ctx.server.log.warn(`read markers: ${errorMessage(err)}`);
    return since;
  }
}

/** Replays what a conversation (history `key`, shown as `target`) said after `since`. */
export async function catchUp(
  ctx: Context,
  key: string,
  target: string,
  since: number,
): Promise<void> {
  const from = await missedFrom(ctx, foldCase(target), since);
  const limit = ctx.server.history.replayLines;
  const messages = await ctx.stores.history.latest(key, { time: from }, limit);
  await replay(ctx, target, messages, `${messages.length} messages since you left`);
}

/** Replays the user's private conversations that had messages after `since`. */
export async function catchUpPrivate(ctx: Context, since: number): Promise<void> {
  const scope = { ...targetScope(ctx.user, ctx.stores.accounts), channels: [] };
  if (scope.owner === undefined) return;
  const found = await ctx.stores.history.targets(
    scope,
    since,
    Date.now(),
    MAX_PRIVATE_CONVERSATIONS,
  );
  for (const { conversation, target } of found) {
    if (!isChannelKey(conversation)) await catchUp(ctx, conversation, target, since);
  }
}
