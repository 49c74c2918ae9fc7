/**
 * Channel mode strings: parsing `+ov-k alice bob key`, applying changes to a channel, and
 * writing the applied changes back as one MODE line.
 *
 * @module
 */

import { type Channel, FLAG_MODES, LIST_MODES, OP, VOICE } from "./state/channel.ts";
import type { User } from "./state/user.ts";

/** One requested or applied change. For `o`/`v` the parameter is a nick; for `b`/`e`/`I` a mask. */
export interface ModeChange {
  adding: boolean;
  mode: string;
  param?: string;
}

/** The changes found in a mode string, and the mode letters nobody knows. */
export interface ParsedModes {
  changes: ModeChange[];
  unknown: string[];
  /** List modes (`b`, `e`, `I`) given without a mask, once each: the client asks for the list. */
  lists: string;
}

/**
 * Splits a mode string and its arguments into changes. At most `maxParamModes` changes that take
 * a parameter are kept (ISUPPORT `MODES`); a change missing its parameter is dropped.
 */
export function parseChannelModes(
  modestring: string,
  args: string[],
  maxParamModes: number,
): ParsedModes {
  const result: ParsedModes = { changes: [], unknown: [], lists: "" };
  let adding = true;
  let argIndex = 0;
  let withParam = 0;
  for (const mode of modestring) {
    if (mode === "+" || mode === "-") {
      adding = mode === "+";
      continue;
    }
    const takesParam = mode === "o" || mode === "v" || LIST_MODES.includes(mode) ||
      mode === "k" || (mode === "l" && adding);
    if (!takesParam) {
      if (FLAG_MODES.includes(mode) || mode === "l") result.changes.push({ adding, mode });
      else result.unknown.push(mode);
      continue;
    }
    const param = args[argIndex++];
    // an empty key is a key given, to refuse (mode.ts); any other empty parameter is none
    if (param === undefined || (param === "" && !(mode === "k" && adding))) {
      if (LIST_MODES.includes(mode)) {
        if (!result.lists.includes(mode)) result.lists += mode;
      } else if (mode === "k" && !adding) result.changes.push({ adding, mode });
      continue;
    }
    if (++withParam > maxParamModes) continue;
    result.changes.push({ adding, mode, param });
  }
  return result;
}

/**
 * Applies one change and reports whether it changed anything (so `+t` on a `+t` channel is not
 * broadcast). `member` is the user named by `o`/`v`, already checked to be on the channel.
 */
export function applyModeChange(
  channel: Channel,
  change: ModeChange,
  setBy: string,
  member?: User,
  now = Date.now(),
): boolean {
  const { adding, mode, param } = change;
  switch (mode) {
    case "o":
    case "v": {
      if (!member) return false;
      const bit = mode === "o" ? OP : VOICE;
      const status = channel.members.get(member) ?? 0;
      const next = adding ? status | bit : status & ~bit;
      if (next === status) return false;
      channel.members.set(member, next);
      return true;
    }
    case "b":
    case "e":
    case "I": {
      const list = channel.list(mode)!;
      const index = list.findIndex((b) => b.mask === param);
      if (adding === (index !== -1)) return false;
      if (adding) list.push({ mask: param!, setBy, setAt: now });
      else list.splice(index, 1);
      return true;
    }
    case "k":
      if (adding ? channel.key === param : channel.key === undefined) return false;
      channel.key = adding ? param : undefined;
      return true;
    case "l": {
      const limit = adding ? Number(param) : undefined;
      if (channel.limit === limit) return false;
      channel.limit = limit;
      return true;
    }
    default:
      if (channel.modes.has(mode) === adding) return false;
      if (adding) channel.modes.add(mode);
      else channel.modes.delete(mode);
      return true;
  }
}

/** Writes applied changes as MODE parameters: `["+ov-k", "alice", "bob", "*"]`. */
export function formatModeChanges(changes: ModeChange[]): string[] {
  let flags = "";
  const params: string[] = [];
  let sign = "";
  for (const c of changes) {
    const s = c.adding ? "+" : "-";
    if (s !== sign) {
      flags += s;
      sign = s;
    }
    flags += c.mode;
    if (c.param !== undefined) params.push(c.param);
  }
  return [flags, ...params];
}
