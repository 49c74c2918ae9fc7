/**
 * METADATA (IRCv3 draft/metadata-2): GET, LIST, SET, CLEAR of a user's or a channel's keys, and
 * SUB, UNSUB, SUBS, SYNC of what this connection hears. The rules are in ../metadata.ts; the
 * hub makes a change and the network tells the subscribers who can see the target.
 *
 * @module
 */

import { msg } from "../../protocol/message.ts";
import { isChannelName } from "../../protocol/names.ts";
import { N } from "../../protocol/numerics.ts";
import { sendBatch } from "../batch.ts";
import type { CommandSpec } from "../command_table.ts";
import type { Context } from "../context.ts";
import {
  isValidKey,
  isValidValue,
  JOIN_SYNC_MAX_LINES,
  mayRead,
  maySet,
  METADATA_CAP,
  METADATA_LIMITS,
  metadataLine,
  metadataOf,
  type MetadataTarget,
  syncLines,
  targetName,
} from "../metadata.ts";
import { Outgoing } from "../outgoing.ts";
import type { Channel } from "../state/channel.ts";

const FAIL = "METADATA";

/** Keys per RPL_METADATASUBOK / UNSUBOK / SUBS line: at most 20 keys of 64 bytes fit one line. */
const KEYS_PER_LINE = 6;

/** The user or channel a target parameter names (`*` is oneself); undefined if none. */
function resolve(ctx: Context, name: string): MetadataTarget | undefined {
  if (name === "*") return { user: ctx.user };
  if (isChannelName(name)) {
    const channel = ctx.hub.findChannel(name);
    return channel && { channel };
  }
  const user = ctx.hub.findUser(name);
  return user?.registered ? { user } : undefined;
}

/** Sends `keys` in numerics of a few keys each. */
function keyLines(ctx: Context, numeric: string, keys: readonly string[]): void {
  for (let i = 0; i < keys.length; i += KEYS_PER_LINE) {
    ctx.reply(numeric, keys.slice(i, i + KEYS_PER_LINE).join(" "));
  }
}

/** RPL_KEYVALUE, or without a value (a CLEAR's removed key). */
function keyValue(ctx: Context, name: string, key: string, value?: string): Outgoing {
  return value === undefined
    ? ctx.numeric(N.RPL_KEYVALUE, name, key, "*")
    : ctx.numeric(N.RPL_KEYVALUE, name, key, "*", value);
}

function get(ctx: Context, target: MetadataTarget, keys: string[]): void | Promise<void> {
  const name = targetName(target), map = metadataOf(target);
  const lines = keys.map((key) => {
    if (!isValidKey(key)) {
      return new Outgoing(msg("FAIL", [FAIL, "KEY_INVALID", key, "Invalid key"], ctx.server.name));
    }
    const value = map?.get(key);
    if (value === undefined) return ctx.numeric(N.RPL_KEYNOTSET, name, key, "Key not set");
    return keyValue(ctx, name, key, value);
  });
  return sendBatch(ctx, "metadata", [name], lines);
}

async function set(ctx: Context, target: MetadataTarget, key: string, value?: string) {
  const name = targetName(target), map = metadataOf(target);
  if (!isValidKey(key)) return ctx.fail(FAIL, "KEY_INVALID", key, "Invalid key");
  if (!maySet(ctx.user, target)) {
    return ctx.fail(FAIL, "KEY_NO_PERMISSION", name, key, "You may not change this target's keys");
  }
  if (value === undefined) {
    if (!map?.has(key)) return ctx.fail(FAIL, "KEY_NOT_SET", key, "Key not set");
    await ctx.hub.setMetadata(ctx.user, target, key, undefined);
    return ctx.reply(N.RPL_KEYNOTSET, name, key, "Key removed");
  }
  if (!isValidValue(value)) return ctx.fail(FAIL, "VALUE_INVALID", "Value is too long or invalid");
  if (!map?.has(key) && (map?.size ?? 0) >= METADATA_LIMITS.maxKeys) {
    return ctx.fail(FAIL, "LIMIT_REACHED", name, "Metadata limit reached");
  }
  if (map?.get(key) !== value && !await ctx.hub.setMetadata(ctx.user, target, key, value)) {
    return ctx.fail(FAIL, "LIMIT_REACHED", name, "Metadata limit reached");
  }
  ctx.answer(keyValue(ctx, name, key, value));
}

async function clear(ctx: Context, target: MetadataTarget): Promise<void> {
  const name = targetName(target);
  if (!maySet(ctx.user, target)) {
    return ctx.fail(FAIL, "KEY_NO_PERMISSION", name, "*", "You may not change this target's keys");
  }
  const keys = [...metadataOf(target)?.keys() ?? []];
  for (const key of keys) await ctx.hub.setMetadata(ctx.user, target, key, undefined);
  await sendBatch(ctx, "metadata", [name], keys.map((key) => keyValue(ctx, name, key)));
}

/** SUB: in order, until the limit; an invalid key is skipped, the first one over it ends it. */
function sub(ctx: Context, keys: string[]): void {
  const subs = ctx.session.metadataSubs ??= new Set();
  const ok: string[] = [];
  for (const key of keys) {
    if (!isValidKey(key)) {
      ctx.fail(FAIL, "KEY_INVALID", key, "Invalid key");
      continue;
    }
    if (!subs.has(key) && subs.size >= METADATA_LIMITS.maxSubs) {
      ctx.fail(FAIL, "TOO_MANY_SUBS", key, "Too many subscriptions");
      break;
    }
    subs.add(key);
    if (!ok.includes(key)) ok.push(key);
  }
  keyLines(ctx, N.RPL_METADATASUBOK, ok);
}

function unsub(ctx: Context, keys: string[]): void {
  const subs = ctx.session.metadataSubs;
  const ok: string[] = [];
  for (const key of keys) {
    if (!isValidKey(key)) {
      ctx.fail(FAIL, "KEY_INVALID", key, "Invalid key");
      continue;
    }
    subs?.delete(key);
    if (!ok.includes(key)) ok.push(key);
  }
  if (subs?.size === 0) ctx.session.metadataSubs = undefined;
  keyLines(ctx, N.RPL_METADATAUNSUBOK, ok);
}

/** SYNC: the subscribed keys of the target (a channel: and of its members) in one batch. */
export function sync(ctx: Context, target: MetadataTarget): void | Promise<void> {
  const lines = syncLines(ctx.session, target, ctx.server.name);
  return sendBatch(ctx, "metadata", [targetName(target)], lines);
}

/**
 * After the welcome, a connection with the capability is told its user's keys (the spec's
 * `metadata` batch, empty for none): a device attaching to its user learns what it set.
 */
export function sendOwnMetadata(ctx: Context): void | Promise<void> {
  if (!ctx.has(METADATA_CAP)) return;
  const { nick, metadata } = ctx.user;
  const lines = [...metadata ?? []].map(([k, v]) => metadataLine(nick, k, v, ctx.server.name));
  return sendBatch(ctx, "metadata", [nick], lines);
}

/**
 * After a JOIN, what a session subscribed to hears of the channel and its members: a batch, or
 * RPL_METADATASYNCLATER for a channel with too much to send now (the client asks with SYNC).
 */
export function syncOnJoin(ctx: Context, channel: Channel): void | Promise<void> {
  if (!ctx.has(METADATA_CAP) || !ctx.session.metadataSubs) return;
  const lines = syncLines(ctx.session, { channel }, ctx.server.name);
  if (lines.length === 0) return; // nothing it hears of is set: no empty batch at every JOIN
  if (lines.length > JOIN_SYNC_MAX_LINES) {
    return ctx.reply(N.RPL_METADATASYNCLATER, channel.name, "1");
  }
  return sendBatch(ctx, "metadata", [channel.name], lines);
}

/** METADATA. */
export const metadataCommands: Record<string, CommandSpec> = {
  METADATA: {
    minParams: 2,
    handler(ctx, [name, subcommand, ...rest]) {
      const verb = subcommand.toUpperCase();
      switch (verb) {
        case "SUB":
        case "UNSUB":
          if (rest.length === 0) {
            return ctx.reply(N.ERR_NEEDMOREPARAMS, "METADATA", "Not enough parameters");
          }
          return verb === "SUB" ? sub(ctx, rest) : unsub(ctx, rest);
        case "SUBS":
          return keyLines(ctx, N.RPL_METADATASUBS, [...ctx.session.metadataSubs ?? []]);
        case "GET":
        case "LIST":
        case "SET":
        case "CLEAR":
        case "SYNC":
          break;
        default:
          return ctx.fail(FAIL, "SUBCOMMAND_INVALID", subcommand, "Invalid subcommand");
      }
      const target = resolve(ctx, name);
      if (!target) return ctx.fail(FAIL, "INVALID_TARGET", name, "Invalid target");
      if (!mayRead(ctx.user, target)) {
        return ctx.fail(FAIL, "KEY_NO_PERMISSION", name, "*", "You may not see this target");
      }
      switch (verb) {
        case "GET":
          if (rest.length === 0) {
            return ctx.reply(N.ERR_NEEDMOREPARAMS, "METADATA", "Not enough parameters");
          }
          return get(ctx, target, rest);
        case "LIST": {
          const tname = targetName(target);
          const entries = [...metadataOf(target) ?? []];
          const lines = entries.map(([k, v]) => keyValue(ctx, tname, k, v));
          return sendBatch(ctx, "metadata", [tname], lines);
        }
        case "SET":
          if (rest.length === 0) {
            return ctx.reply(N.ERR_NEEDMOREPARAMS, "METADATA", "Not enough parameters");
          }
          return set(ctx, target, rest[0]!, rest[1]);
        case "CLEAR":
          return clear(ctx, target);
        default:
          return sync(ctx, target);
      }
    },
  },
};
