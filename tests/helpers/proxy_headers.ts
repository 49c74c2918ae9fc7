/**
 * PROXY protocol headers as a proxy (HAProxy, nginx `proxy_protocol on`) writes them, for tests.
 *
 * @module
 */

import { parseIp } from "../../server/cidr.ts";
import { V2_SIGNATURE } from "../../server/proxy_protocol.ts";

/** A version 1 line: `PROXY TCP4 src dst sport dport\r\n` (TCP6 for an IPv6 source). */
export function proxyV1(src: string, sport = 51000, dst?: string, dport = 6667): string {
  const v6 = src.includes(":");
  return `PROXY ${v6 ? "TCP6" : "TCP4"} ${src} ${
    dst ?? (v6 ? "::1" : "127.0.0.1")
  } ${sport} ${dport}\r\n`;
}

/**
 * A version 2 header: PROXY (or LOCAL with `src` undefined) over TCP, with `tlvs` bytes after the
 * addresses.
 */
export function proxyV2(
  src: string | undefined,
  sport = 51000,
  tlvs = new Uint8Array(0),
): Uint8Array {
  if (src === undefined) return concatBytes(V2_SIGNATURE, new Uint8Array([0x20, 0x00, 0, 0]));
  const ip = parseIp(src)!;
  const v6 = src.includes(":");
  const srcBytes = v6 ? ipv6Bytes(src) : ip;
  const dst = v6 ? ipv6Bytes("::1") : new Uint8Array([127, 0, 0, 1]);
  const ports = new Uint8Array([sport >> 8, sport & 0xff, 0x1a, 0x0b]);
  const block = concatBytes(srcBytes, dst, ports, tlvs);
  const head = new Uint8Array([0x21, v6 ? 0x21 : 0x11, block.length >> 8, block.length & 0xff]);
  return concatBytes(V2_SIGNATURE, head, block);
}

/** The 16 bytes of an IPv6 address (`parseIp` turns IPv4-mapped ones into 4). */
function ipv6Bytes(text: string): Uint8Array {
  const bytes = parseIp(text)!;
  if (bytes.length === 16) return bytes;
  const out = new Uint8Array(16);
  out[10] = out[11] = 0xff;
  out.set(bytes, 12);
  return out;
}

/** The byte arrays one after another. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
