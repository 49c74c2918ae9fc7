/**
 * Trusted WEBIRC gateways (`--webirc NAME:PASSWORD@CIDRS`): web chat services (KiwiIRC,
 * webircgateway, The Lounge) that connect on behalf of their users and name each one's address
 * with `WEBIRC password gateway hostname ip [:flags]`. Which addresses a gateway may connect
 * from and its password (kept hashed, checked in constant time), and the pure rules of the
 * command; commands/webirc.ts applies them.
 *
 * @module
 */

import { type Cidr, cidrContains, formatIp, parseCidr, parseIp } from "./cidr.ts";
import type { WebircGatewayConfig } from "./config.ts";
import { type HashedSecret, hashSecret, verifySecret } from "./credentials.ts";

/** A gateway as the server keeps it: the password only as a salted hash. */
export interface WebircGateway {
  name: string;
  secret: HashedSecret;
  ranges: Cidr[];
}

/** Hashes the configured gateways' passwords (at start-up, like --oper's). */
export async function hashGateways(
  configured: readonly WebircGatewayConfig[],
): Promise<WebircGateway[]> {
  const gateways: WebircGateway[] = [];
  for (const g of configured) {
    const ranges = g.ranges.map((text) => {
      const range = parseCidr(text);
      if (!range) throw new Error(`--webirc ${g.name}: not an address range: ${text}`);
      return range;
    });
    gateways.push({ name: g.name, secret: await hashSecret(g.password), ranges });
  }
  return gateways;
}

/** The gateways an address may connect as (those whose ranges hold it). */
export function gatewaysFrom(gateways: readonly WebircGateway[], ip: string): WebircGateway[] {
  const bytes = parseIp(ip);
  if (!bytes) return [];
  return gateways.filter((g) => g.ranges.some((range) => cidrContains(range, bytes)));
}

/** The gateway among `candidates` whose password `attempt` is, if any (each checked in turn). */
export async function gatewayWithPassword(
  candidates: readonly WebircGateway[],
  attempt: string,
): Promise<WebircGateway | undefined> {
  for (const gateway of candidates) {
    if (await verifySecret(gateway.secret, attempt)) return gateway;
  }
  return undefined;
}

/** The client address a WEBIRC names, in its usual text; undefined when it is none. */
export function webircAddress(ip: string): string | undefined {
  const bytes = ip.length <= 45 ? parseIp(ip) : undefined;
  return bytes && formatIp(bytes);
}

/**
 * Whether the client's own connection to the gateway was encrypted: the `secure` flag, believed
 * only when the gateway's connection here is encrypted or on loopback (an attacker in between
 * could otherwise claim it).
 */
export function webircSecure(flags: string | undefined, hopSecure: boolean, from: string): boolean {
  const claimed = (flags ?? "").split(" ").some((f) => f === "secure" || f.startsWith("secure="));
  const bytes = parseIp(from);
  const loopback = bytes !== undefined &&
    (bytes.length === 4 ? bytes[0] === 127 : bytes.every((b, i) => b === (i === 15 ? 1 : 0)));
  return claimed && (hopSecure || loopback);
}
