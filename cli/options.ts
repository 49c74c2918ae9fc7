/**
 * Parsers for command-line option values. Each throws commander's `InvalidArgumentError`, which
 * commander turns into a one-line `error: …` and a non-zero exit.
 *
 * @module
 */

import { InvalidArgumentError } from "@commander-js/extra-typings";
import { parseCidr } from "../server/cidr.ts";
import { parseRedisUrl } from "../server/cluster/redis_client.ts";
import { isValidNodeId } from "../server/cluster/start.ts";
import { normalizeOrigin } from "../server/web_origin.ts";
import { DEFAULT_LIMITS } from "../server/config.ts";
import { type OperSpec, parseOperSpec } from "../server/state/oper_privileges.ts";
import { isValidChannelName } from "../protocol/names.ts";
import { errorMessage } from "../util/error_message.ts";

/** A TCP port, 0 (any free port) to 65535. */
export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) {
    throw new InvalidArgumentError("Expected a port number from 0 to 65535.");
  }
  return n;
}

/** A whole number of seconds, returned in milliseconds. */
export function parseSeconds(value: string): number {
  if (!/^\d+(\.\d+)?$/.test(value) || Number(value) <= 0) {
    throw new InvalidArgumentError("Expected a positive number of seconds.");
  }
  return Math.round(Number(value) * 1000);
}

/** A Redis address for `--cluster`: `redis://host:port[/db]`. */
export function parseClusterUrl(value: string): string {
  try {
    parseRedisUrl(value);
  } catch (err) {
    throw new InvalidArgumentError(`${errorMessage(err)}.`);
  }
  return value;
}

/** A node id for `--node-id`: letters, digits, `-` and `_`, at most 40. */
export function parseNodeId(value: string): string {
  if (!isValidNodeId(value)) {
    throw new InvalidArgumentError("Expected letters, digits, - and _ (at most 40).");
  }
  return value;
}

/** A byte count with an optional k/m suffix (`512k`, `1m`). */
export function parseBytes(value: string): number {
  const m = /^(\d+)([kKmM]?)(i?[bB])?$/.exec(value);
  const [, digits = "0", unit = ""] = m ?? [];
  const n = Number(digits) * (unit === "" ? 1 : /k/i.test(unit) ? 1024 : 1024 * 1024);
  if (!m || n < 1024) {
    throw new InvalidArgumentError("Expected a size of at least 1k, like 512k or 1m.");
  }
  return n;
}

/** A host name or IP address to bind (no spaces, no scheme, no port). */
export function parseHost(value: string): string {
  if (!/^[A-Za-z0-9.:\-\[\]]+$/.test(value)) {
    throw new InvalidArgumentError("Expected a host name or IP address, like 127.0.0.1 or ::.");
  }
  return value.replace(/^\[(.*)\]$/, "$1");
}

/** A server name: a host-like word with a dot, as IRC clients expect. */
export function parseServerName(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9\-]*(\.[A-Za-z0-9\-]+)+$/.test(value) || value.length > 63) {
    throw new InvalidArgumentError("Expected a host-like name with a dot, like chat.example.org.");
  }
  return value;
}

/** A network name for ISUPPORT (letters, digits, `-`, `_`, `.`). */
export function parseNetworkName(value: string): string {
  if (!/^[A-Za-z0-9._\-]{1,32}$/.test(value)) {
    throw new InvalidArgumentError("Expected 1-32 letters, digits, '.', '_' or '-'.");
  }
  return value;
}

/** Collects repeatable `NAME:PASSWORD` or `NAME/CLASS:PASSWORD` operator credentials. */
export function collectOper(value: string, previous: OperSpec[]): OperSpec[] {
  const spec = parseOperSpec(value);
  if ("error" in spec) throw new InvalidArgumentError(spec.error);
  return [...previous, spec];
}

/** A whole number from 0 up (0 usually means "unlimited" or "off"). */
export function parseCount(value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw new InvalidArgumentError("Expected a whole number.");
  return Number(value);
}

/** A positive number, fractions allowed (rates). */
export function parseRate(value: string): number {
  if (!/^\d+(\.\d+)?$/.test(value) || Number(value) <= 0) {
    throw new InvalidArgumentError("Expected a positive number.");
  }
  return Number(value);
}

/** Comma-separated CIDR ranges (`127.0.0.0/8,::1/128`), or `none`. */
export function parseCidrList(value: string): string[] {
  if (value === "none" || value === "") return [];
  const ranges = value.split(",").map((r) => r.trim());
  const bad = ranges.find((r) => !parseCidr(r));
  if (bad !== undefined) {
    throw new InvalidArgumentError(`"${bad}" is not an address range like 10.0.0.0/8 or ::1/128.`);
  }
  return ranges;
}

/**
 * Collects repeatable `--webirc NAME:PASSWORD@CIDRS` gateways: the password runs to the last
 * `@` (it may hold `:` and `@`; the ranges hold neither `@` nor spaces).
 */
export function collectWebirc(
  value: string,
  previous: { name: string; password: string; ranges: string[] }[],
): { name: string; password: string; ranges: string[] }[] {
  const at = value.lastIndexOf("@");
  const colon = value.indexOf(":");
  if (colon < 1 || at <= colon + 1 || at === value.length - 1) {
    throw new InvalidArgumentError("Expected NAME:PASSWORD@CIDR[,CIDR...].");
  }
  const ranges = parseCidrList(value.slice(at + 1));
  if (ranges.length === 0) throw new InvalidArgumentError("Expected address ranges after @.");
  const gateway = { name: value.slice(0, colon), password: value.slice(colon + 1, at), ranges };
  return [...previous, gateway];
}

/** Collects repeatable `--proxy-from` ranges (each a comma list, like `--exempt`'s). */
export function collectCidrs(value: string, previous: string[]): string[] {
  return [...previous, ...parseCidrList(value)];
}

/**
 * Collects `--web-origin` values (repeatable, each a comma list): origins such as
 * `https://chat.example.org` whose pages may open a WebSocket, or `*` for any page anywhere.
 */
export function collectOrigins(value: string, previous: string[]): string[] {
  const origins = [...previous];
  for (const item of value.split(",").map((o) => o.trim()).filter((o) => o !== "")) {
    const origin = item === "*" ? "*" : normalizeOrigin(item);
    if (origin === undefined) {
      throw new InvalidArgumentError(
        `"${item}" is not an origin like https://chat.example.org (scheme, host, port), or *.`,
      );
    }
    origins.push(origin);
  }
  return origins;
}

/**
 * `--permanent-channel`: channel names, comma-separated and repeatable, or `none` for none; the
 * default (`#lobby`) applies only when the option is not given at all.
 */
export function collectChannels(value: string, previous: string[] | undefined): string[] {
  const channels = [...(previous ?? [])];
  for (const item of value.split(",").map((c) => c.trim()).filter((c) => c !== "")) {
    if (item.toLowerCase() === "none") continue;
    if (!isValidChannelName(item, DEFAULT_LIMITS.channelLength)) {
      throw new InvalidArgumentError(`"${item}" is not a channel name like #lobby.`);
    }
    channels.push(item);
  }
  return channels;
}
