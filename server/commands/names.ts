/**
 * NAMES, and the topic and names replies a JOIN also sends.
 *
 * @module
 */

import { N } from "../../protocol/numerics.ts";
import type { CommandSpec } from "../command_table.ts";
import type { Context } from "../context.ts";
import { sendBlock, sendLong, SMALL_REPLY_BYTES } from "../long_reply.ts";
import { type Channel, type NamesCache, statusPrefix } from "../state/channel.ts";
import { listedInChannel } from "../visibility.ts";

const encoder = new TextEncoder();

/** Room for nicks in one 353 line, well under 512 bytes with the prefix. */
const NAMES_LINE_BYTES = 400;

/** Sends 332/333 for a channel with a topic (used by JOIN and TOPIC). */
export function sendTopic(ctx: Context, channel: Channel): void {
  const topic = channel.topic;
  if (!topic) {
    ctx.reply(N.RPL_NOTOPIC, channel.name, "No topic is set");
    return;
  }
  ctx.reply(N.RPL_TOPIC, channel.name, topic.text);
  ctx.reply(N.RPL_TOPICWHOTIME, channel.name, topic.setBy, String(Math.floor(topic.setAt / 1000)));
}

/**
 * Sends 353 lines for a channel (as many as needed) and 366; a big channel's in parts as the
 * client reads them (long_reply.ts), so joining or asking never overflows the sendq.
 */
export function sendNames(ctx: Context, channel: Channel): void | Promise<void> {
  const { user } = ctx;
  const multi = ctx.has("multi-prefix");
  const userhost = ctx.has("userhost-in-names");
  const isMember = channel.has(user);
  const symbol = channel.modes.has("s") ? "@" : "=";
  const line = (text: string) => ctx.numeric(N.RPL_NAMREPLY, symbol, channel.name, text);
  const end = () => ctx.numeric(N.RPL_ENDOFNAMES, channel.name, "End of /NAMES list");
  if (isMember && !multi && !userhost) {
    const names = defaultNames(channel);
    const texts = [...names.lines]; // the cache grows in place as members join
    const lines = () => [...texts.map(line), end()];
    const block = namesBlock(ctx, symbol, channel, names);
    const sent = block.length > SMALL_REPLY_BYTES ? sendBlock(ctx, block) : ctx.answerBytes(block);
    const then = (sent: boolean) => sent ? ctx.answer(end()) : sendLong(ctx, lines());
    return sent instanceof Promise ? sent.then(then) : then(sent);
  }
  const texts: string[] = [];
  let text = "";
  for (const [member, status] of channel.members) {
    if (!listedInChannel(user, channel, member)) continue;
    const name = statusPrefix(status, multi) + (userhost ? member.source : member.nick);
    if (text.length + name.length + 1 > NAMES_LINE_BYTES) {
      texts.push(text);
      text = name;
    } else {
      text = text === "" ? name : `${text} ${name}`;
    }
  }
  if (text !== "") texts.push(text);
  return sendLong(ctx, [...texts.map(line), end()]);
}

/** The 353 texts members see by default, from the channel's cache, built or extended here. */
function defaultNames(channel: Channel): NamesCache {
  const members = channel.members;
  let names = members.names;
  if (names === undefined) {
    names = members.names = { lines: [], bytes: [], joined: [] };
    for (const [member, status] of members) {
      addName(names, statusPrefix(status, false) + member.nick);
    }
  }
  for (const member of names.joined) addName(names, member.nick);
  names.joined = [];
  return names;
}

function addName({ lines, bytes }: NamesCache, name: string): void {
  const last = lines.length - 1;
  const line = lines.at(-1);
  if (line !== undefined && line.length + name.length + 1 <= NAMES_LINE_BYTES) {
    lines[last] = `${line} ${name}`;
    bytes[last] = undefined;
  } else lines.push(name);
}

/**
 * The 353 lines of the cached texts for this user, as one buffer: the same bytes `ctx.reply`
 * would write, but each text is encoded once per channel state instead of once per joiner, which
 * in a join storm of N clients is N²/2 names formatted and encoded.
 */
function namesBlock(ctx: Context, symbol: string, channel: Channel, names: NamesCache): Uint8Array {
  const prefix = encoder.encode(
    `:${ctx.server.name} ${N.RPL_NAMREPLY} ${ctx.user.nick} ${symbol} ${channel.name} :`,
  );
  const texts = names.lines.map((line, i) => names.bytes[i] ??= encoder.encode(line));
  let size = 0;
  for (const text of texts) size += prefix.length + text.length + 2;
  const block = new Uint8Array(size);
  let at = 0;
  for (const text of texts) {
    block.set(prefix, at);
    block.set(text, at += prefix.length);
    at += text.length;
    block[at++] = 13;
    block[at++] = 10;
  }
  return block;
}

/** NAMES. */
export const namesCommands: Record<string, CommandSpec> = {
  NAMES: {
    minParams: 0,
    async handler(ctx, [names]) {
      if (!names) {
        ctx.reply(N.RPL_ENDOFNAMES, "*", "End of /NAMES list");
        return;
      }
      for (const name of names.split(",")) {
        const channel = ctx.hub.findChannel(name);
        if (channel && channel.visibleTo(ctx.user)) await sendNames(ctx, channel);
        else ctx.reply(N.RPL_ENDOFNAMES, name, "End of /NAMES list");
      }
    },
  },
};
