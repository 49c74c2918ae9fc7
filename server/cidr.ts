/**
 * IPv4/IPv6 address ranges (CIDR), for the addresses exempt from connection limits.
 *
 * @module
 */

/** A parsed range: the address bytes and the prefix length. */
export interface Cidr {
  bytes: Uint8Array;
  prefix: number;
  text: string;
}

function parseIpv4(s: string): Uint8Array | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (const [i, part] of parts.entries()) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    out[i] = Number(part);
  }
  return out;
}

function parseIpv6(s: string): Uint8Array | undefined {
  const zone = s.indexOf("%");
  if (zone !== -1) s = s.slice(0, zone);
  let tail: Uint8Array | undefined;
  const lastColon = s.lastIndexOf(":");
  if (s.includes(".")) {
    tail = parseIpv4(s.slice(lastColon + 1));
    if (!tail) return undefined;
    s = s.slice(0, lastColon + 1) + "0:0";
  }
  const [front = "", back, ...more] = s.split("::");
  if (more.length > 0) return undefined;
  const groups = (h: string) => (h === "" ? [] : h.split(":"));
  const head = groups(front);
  const rest = back === undefined ? [] : groups(back);
  const missing = 8 - head.length - rest.length;
  if ((back === undefined && missing !== 0) || missing < 0) return undefined;
  const all = [...head, ...Array(back === undefined ? 0 : missing).fill("0"), ...rest];
  const out = new Uint8Array(16);
  for (const [i, group] of all.entries()) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    const v = parseInt(group, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  }
  if (tail) out.set(tail, 12);
  return out;
}

/** The 4 or 16 bytes of an address; IPv4-mapped IPv6 (`::ffff:1.2.3.4`) becomes IPv4. */
export function parseIp(s: string): Uint8Array | undefined {
  const v4 = parseIpv4(s);
  if (v4) return v4;
  const v6 = parseIpv6(s);
  if (v6 && v6.subarray(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff) {
    return v6.slice(12);
  }
  return v6;
}

/** Parses `10.0.0.0/8`, `::1/128`, or a bare address (a one-address range). */
export function parseCidr(text: string): Cidr | undefined {
  const [addr = "", len, extra] = text.split("/");
  if (extra !== undefined) return undefined;
  const bytes = parseIp(addr);
  if (!bytes) return undefined;
  const max = bytes.length * 8;
  const prefix = len === undefined ? max : Number(len);
  if (len !== undefined && (!/^\d+$/.test(len) || prefix > max)) return undefined;
  return { bytes, prefix, text };
}

/** True when `ip` is inside `range`. */
export function cidrContains(range: Cidr, ip: Uint8Array): boolean {
  if (ip.length !== range.bytes.length) return false;
  let bits = range.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    const [a, b] = [ip[i], range.bytes[i]];
    if (a === undefined || b === undefined || (a & mask) !== (b & mask)) return false;
  }
  return true;
}

/**
 * An address's usual text (IPv6 per RFC 5952: lower case, the longest run of zero groups as
 * `::`), so one address from any source (a PROXY header, X-Forwarded-For) is one key for the
 * per-IP limits.
 */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join(".");
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [...bytes.subarray(12)].join("."); // IPv4-mapped: the IPv4 address
  }
  let best = -1, bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [best, bestLength] = [i, j - i];
    i = j;
  }
  const hex = (g: number[]) => g.map((n) => n.toString(16)).join(":");
  if (best === -1) return hex(groups);
  return `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLength))}`;
}
