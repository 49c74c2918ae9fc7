/**
 * CTCP: `\x01VERB args\x01` inside PRIVMSG/NOTICE text, used for /me (ACTION) and VERSION.
 *
 * @module
 */

const DELIM = "\x01";

/** A CTCP request or reply found in message text. */
export interface Ctcp {
  verb: string;
  args: string;
}

/** The CTCP in `text`, or undefined for ordinary text. The closing \x01 is optional. */
export function parseCtcp(text: string): Ctcp | undefined {
  if (!text.startsWith(DELIM) || text.length < 2) return undefined;
  const body = text.endsWith(DELIM) ? text.slice(1, -1) : text.slice(1);
  const space = body.indexOf(" ");
  if (space === -1) return { verb: body.toUpperCase(), args: "" };
  return { verb: body.slice(0, space).toUpperCase(), args: body.slice(space + 1) };
}

/** Wraps a CTCP for sending: `ctcp("ACTION", "waves")`. */
export function ctcp(verb: string, args = ""): string {
  return args === "" ? `${DELIM}${verb}${DELIM}` : `${DELIM}${verb} ${args}${DELIM}`;
}
