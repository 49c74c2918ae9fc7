/**
 * MODE for channels (+o +v +b +e +I +k +l +i +m +n +s +t) and for the user's own modes (+B +i +w,
 * -o).
 *
 * @module
 */

import { msg } from "../../protocol/message.ts";
import { isChannelName, isValidKey } from "../../protocol/names.ts";
import { N } from "../../protocol/numerics.ts";
import { type ModeChange, parseChannelModes } from "../channel_modes.ts";
import type { CommandSpec } from "../command_table.ts";
import type { Context } from "../context.ts";
import { type Ban, type Channel, LIST_MODES, MUTE_PREFIX } from "../state/channel.ts";
import { BOT_MODE } from "../state/user.ts";
import { isModerator, mayModerate } from "./checks.ts";

/** Completes a ban mask: `bob` → `bob!*@*`, `*@host` → `*!*@host`, `m:bob` → `m:bob!*@*`. */
export function normalizeBanMask(mask: string): string {
  if (mask.startsWith(MUTE_PREFIX)) {
    return MUTE_PREFIX + normalizeBanMask(mask.slice(MUTE_PREFIX.length));
  }
  const bang = mask.includes("!"), at = mask.includes("@");
  if (!bang && !at) return `${mask}!*@*`;
  if (!bang) return `*!${mask}`;
  if (!at) return `${mask}@*`;
  return mask;
}

/** How each list mode's entries, end and full list are told (RPL_BANLIST and its kin). */
const LISTS: Record<string, { entry: string; end: string; endText: string; full: string }> = {
  b: {
    entry: N.RPL_BANLIST,
    end: N.RPL_ENDOFBANLIST,
    endText: "End of channel ban list",
    full: "Channel ban list is full",
  },
  e: {
    entry: N.RPL_EXCEPTLIST,
    end: N.RPL_ENDOFEXCEPTLIST,
    endText: "End of channel exception list",
    full: "Channel exception list is full",
  },
  I: {
    entry: N.RPL_INVITELIST,
    end: N.RPL_ENDOFINVITELIST,
    endText: "End of channel invite list",
    full: "Channel invite list is full",
  },
};

/**
 * Sends a list mode's entries. The exception lists say whom the ops let past their bans and
 * +i, so only ops (and server operators) see them; the ban list is for anyone who sees the
 * channel.
 */
function sendList(ctx: Context, channel: Channel, mode: string, list: readonly Ban[]): void {
  if (mode !== "b" && !isModerator(ctx.user, channel)) {
    ctx.reply(N.ERR_CHANOPRIVSNEEDED, channel.name, "You're not channel operator");
    return;
  }
  const { entry, end, endText } = LISTS[mode]!;
  for (const e of list) {
    ctx.reply(entry, channel.name, e.mask, e.setBy, String(Math.floor(e.setAt / 1000)));
  }
  ctx.reply(end, channel.name, endText);
}

/**
 * Checks one requested change; returns it (normalized) or answers the client and skips it.
 * `masks` holds the channel's list masks (`b:mask`, `e:mask`, `I:mask`) as the changes checked
 * so far leave them, so that every mask one MODE adds counts against the shared list limit.
 */
function check(
  ctx: Context,
  channel: Channel,
  change: ModeChange,
  masks: Set<string>,
): ModeChange | undefined {
  const { hub, server } = ctx;
  const param = change.param;
  switch (change.mode) {
    case "o":
    case "v": {
      const member = hub.findUser(param!);
      if (!member) ctx.reply(N.ERR_NOSUCHNICK, param!, "No such nick/channel");
      else if (!channel.has(member)) {
        ctx.reply(N.ERR_USERNOTINCHANNEL, member.nick, channel.name, "They aren't on that channel");
      } else return change;
      return undefined;
    }
    case "b":
    case "e":
    case "I": {
      const mask = normalizeBanMask(param!);
      const key = `${change.mode}:${mask}`;
      if (!change.adding) masks.delete(key);
      else if (!masks.has(key)) {
        if (masks.size >= server.limits.maxBans) {
          ctx.reply(N.ERR_BANLISTFULL, channel.name, mask, LISTS[change.mode]!.full);
          return undefined;
        }
        masks.add(key);
      }
      return { ...change, param: mask };
    }
    case "k":
      if (!change.adding) return { ...change, param: "*" };
      if (!isValidKey(param!)) {
        // Modern IRC: 696, with `*` for a parameter that may not be shown as it was (irctest)
        ctx.reply(N.ERR_INVALIDMODEPARAM, channel.name, "k", "*", "Invalid key");
        return undefined;
      }
      return change;
    case "l":
      if (change.adding && !/^[1-9][0-9]{0,8}$/.test(param!)) {
        ctx.reply(N.ERR_INVALIDMODEPARAM, channel.name, "l", param!, "Invalid limit");
        return undefined;
      }
      return change;
    default:
      return change;
  }
}

function channelMode(
  ctx: Context,
  name: string,
  modestring: string | undefined,
  args: string[],
): void | Promise<void> {
  const { user, hub, server } = ctx;
  const channel = hub.findChannel(name);
  if (!channel || !channel.visibleTo(user)) {
    ctx.reply(N.ERR_NOSUCHCHANNEL, name, "No such channel");
    return;
  }
  if (modestring === undefined) {
    ctx.reply(N.RPL_CHANNELMODEIS, channel.name, ...channel.modeParams(channel.has(user)));
    ctx.reply(N.RPL_CREATIONTIME, channel.name, String(Math.floor(channel.created / 1000)));
    return;
  }
  const parsed = parseChannelModes(modestring, args, server.limits.modesPerCommand);
  for (const mode of parsed.unknown) {
    ctx.reply(N.ERR_UNKNOWNMODE, mode, "is unknown mode char to me");
  }
  for (const mode of parsed.lists) sendList(ctx, channel, mode, channel.list(mode)!);
  if (parsed.changes.length === 0 || !mayModerate(ctx, channel)) return;
  const masks = new Set<string>();
  for (const mode of LIST_MODES) {
    for (const e of channel.list(mode)!) masks.add(`${mode}:${e.mask}`);
  }
  const checked = parsed.changes.map((c) => check(ctx, channel, c, masks))
    .filter((c) => c !== undefined);
  return hub.changeModes(user, channel, checked);
}

function userMode(ctx: Context, nick: string, modestring: string | undefined) {
  const { user, hub } = ctx;
  const target = hub.findUser(nick);
  if (!target) {
    ctx.reply(N.ERR_NOSUCHNICK, nick, "No such nick/channel");
    return;
  }
  if (target !== user) {
    ctx.reply(N.ERR_USERSDONTMATCH, "Cant change mode for other users");
    return;
  }
  if (modestring === undefined) {
    ctx.reply(N.RPL_UMODEIS, "+" + user.modes);
    return;
  }
  let adding = true, unknown = false;
  const add = new Set<string>(), remove = new Set<string>();
  for (const mode of modestring) {
    if (mode === "+" || mode === "-") {
      adding = mode === "+";
      continue;
    }
    // +o only comes from OPER; everything else here is the user's own choice.
    if (mode !== "i" && mode !== "w" && mode !== "o" && mode !== BOT_MODE) {
      unknown = true;
      continue;
    }
    if (mode === "o" && adding) continue;
    (adding ? add : remove).add(mode);
    (adding ? remove : add).delete(mode);
  }
  if (unknown) ctx.reply(N.ERR_UMODEUNKNOWNFLAG, "Unknown MODE flag");
  const applied = hub.setUserModes(user, [...add].join(""), [...remove].join(""));
  if (applied !== "") ctx.send(msg("MODE", [user.nick, applied], user.source));
}

/** MODE. */
export const modeCommands: Record<string, CommandSpec> = {
  MODE: {
    minParams: 1,
    handler(ctx, [target, modestring, ...args]) {
      if (isChannelName(target)) return channelMode(ctx, target, modestring, args);
      userMode(ctx, target, modestring);
    },
  },
};
