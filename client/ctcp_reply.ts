/**
 * The client's answers to CTCP requests (VERSION, PING, TIME) other users send it.
 *
 * @module
 */

import { ctcp, parseCtcp } from "../protocol/ctcp.ts";
import { type Message, msg, parseSource } from "../protocol/message.ts";
import { VERSION } from "../version.ts";

/** The NOTICE answering `m` when it is a CTCP request we answer from someone else; else none. */
export function ctcpReply(m: Message, isMe: (nick: string) => boolean): Message | undefined {
  if (m.command !== "PRIVMSG" || !m.source) return undefined;
  const from = parseSource(m.source).nick;
  const request = parseCtcp(m.params[1] ?? "");
  if (!request || isMe(from)) return undefined;
  const reply = (args: string) => msg("NOTICE", [from, ctcp(request.verb, args)]);
  if (request.verb === "VERSION") return reply(`chat ${VERSION} (Deno ${Deno.version.deno})`);
  if (request.verb === "PING") return reply(request.args);
  if (request.verb === "TIME") return reply(new Date().toString());
  return undefined;
}
