/**
 * MODE for channels (+o +v +b +k +l +i +m +n +s +t) and for the user's own modes (+B +i +w, -o).
 *
 * @module
 */

import { msg } from "../../protocol/message.ts";
import { isChannelName, isValidKey } from "../../protocol/names.ts";
import { N } from "../../protocol/numerics.ts";
import { type ModeChange, parseChannelModes } from "../channel_modes.ts";
import type { CommandSpec } from "../command_table.ts";
import type { Context } from "../context.ts";
import type { Channel } from "../state/channel.ts";
import { BOT_MODE } from "../state/user.ts";
import { mayModerate } from "./checks.ts";

/** Completes a ban mask: `bob` → `bob!*@*`, `*@host` → `*!*@host`. */
export function normalizeBanMask(mask: string): string {
  const bang = mask.includes("!"), at = mask.includes("@");
  if (!bang && !at) return `${mask}!*@*`;
  if (!bang) return `*!${mask}`;
  if (!at) return `${mask}@*`;
  return mask;
}

/**
 * Checks one requested change; returns it (normalized) or answers the client and skips it.
 * `bans` holds the channel's ban masks as the changes checked so far leave them, so that every
 * mask one MODE adds counts against the ban-list limit.
 */
function check(
  ctx: Context,
  channel: Channel,
  change: ModeChange,
  bans: Set<string>,
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
    case "b": {
      const mask = normalizeBanMask(param!);
      if (!change.adding) bans.delete(mask);
      else if (!bans.has(mask)) {
        if (bans.size >= server.limits.maxBans) {
          ctx.reply(N.ERR_BANLISTFULL, channel.name, mask, "Channel ban list is full");
          return undefined;
        }
        bans.add(mask);
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
  if (parsed.listBans) {
    for (const ban of channel.bans) {
      ctx.reply(
        N.RPL_BANLIST,
        channel.name,
        ban.mask,
        ban.setBy,
        String(Math.floor(ban.setAt / 1000)),
      );
    }
    ctx.reply(N.RPL_ENDOFBANLIST, channel.name, "End of channel ban list");
  }
  if (parsed.changes.length === 0 || !mayModerate(ctx, channel)) return;
  const bans = new Set(channel.bans.map((b) => b.mask));
  const checked = parsed.changes.map((c) => check(ctx, channel, c, bans))
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
