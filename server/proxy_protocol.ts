/**
 * The PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2) that a TCP proxy
 * sends before its client's bytes, naming the client's real address. Pure parsing of received
 * bytes: proxy_stream.ts reads them from a trusted peer, with a deadline.
 *
 * @module
 */

import { formatIp, parseIp } from "./cidr.ts";

/** The 12 bytes that open a version 2 (binary) header. */
export const V2_SIGNATURE = new Uint8Array([
  0x0d,
  0x0a,
  0x0d,
  0x0a,
  0x00,
  0x0d,
  0x0a,
  0x51,
  0x55,
  0x49,
  0x54,
  0x0a,
]);

/** A version 1 line is at most 107 bytes with its CRLF (the spec's worst case, TCP6). */
export const V1_MAX_BYTES = 107;
/**
 * The largest version 2 header accepted: 16 fixed bytes, a UNIX address block (216 bytes) and
 * room for TLVs. The spec lets a sender announce up to 64 KiB; a trusted proxy sending more than
 * this is misconfigured, and the connection is closed rather than buffered.
 */
export const V2_MAX_BYTES = 16 + 216 + 1816;

/** What the bytes received so far hold. */
export type ProxyHeaderResult =
  /** A header may still be coming: read more. */
  | { kind: "incomplete" }
  /** Not a valid header: close the connection. */
  | { kind: "invalid"; reason: string }
  /**
   * A complete header of `length` bytes; `source` is the client's address, undefined when the
   * header names none (v1 UNKNOWN, v2 LOCAL or an unspecified family): the peer itself is then
   * the client, as the spec says.
   */
  | { kind: "header"; length: number; source: Deno.NetAddr | undefined };

const PREFIX_V1 = "PROXY ";
const CR = 13, LF = 10;

/** Whether `bytes` begins with as much of `prefix` as it holds (all of it when longer). */
function startsLike(bytes: Uint8Array, prefix: Uint8Array): boolean {
  const n = Math.min(bytes.length, prefix.length);
  for (let i = 0; i < n; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

const V1_PREFIX_BYTES = new TextEncoder().encode(PREFIX_V1);

/**
 * Whether a connection's first bytes are a PROXY header (either version): what an untrusted peer
 * is refused for. Needs the whole signature (6 or 12 bytes), so an IRC line never matches.
 */
export function looksLikeProxyHeader(bytes: Uint8Array): boolean {
  return (bytes.length >= V1_PREFIX_BYTES.length && startsLike(bytes, V1_PREFIX_BYTES)) ||
    (bytes.length >= V2_SIGNATURE.length && startsLike(bytes, V2_SIGNATURE));
}

/** Parses the header at the start of `bytes`, which a trusted proxy must send first. */
export function parseProxyHeader(bytes: Uint8Array): ProxyHeaderResult {
  if (bytes.length === 0) return { kind: "incomplete" };
  if (startsLike(bytes, V2_SIGNATURE)) {
    return bytes.length < 16 ? { kind: "incomplete" } : parseV2(bytes);
  }
  if (startsLike(bytes, V1_PREFIX_BYTES)) return parseV1(bytes);
  return { kind: "invalid", reason: "no PROXY header" };
}

/** `PROXY TCP4|TCP6|UNKNOWN src dst sport dport\r\n`. */
function parseV1(bytes: Uint8Array): ProxyHeaderResult {
  const limit = Math.min(bytes.length, V1_MAX_BYTES);
  let end = -1;
  for (let i = 0; i < limit; i++) {
    if (bytes[i] === LF) {
      end = i;
      break;
    }
  }
  if (end === -1) {
    return bytes.length >= V1_MAX_BYTES
      ? { kind: "invalid", reason: "PROXY header too long" }
      : { kind: "incomplete" };
  }
  if (end === 0 || bytes[end - 1] !== CR) return { kind: "invalid", reason: "PROXY line not CRLF" };
  let text = "";
  for (let i = 0; i < end - 1; i++) {
    const b = bytes[i]!;
    if (b < 0x20 || b > 0x7e) return { kind: "invalid", reason: "PROXY line not ASCII" };
    text += String.fromCharCode(b);
  }
  const length = end + 1;
  const [, family, ...rest] = text.split(" ");
  // UNKNOWN: whatever follows is ignored, and the peer's own address is used
  if (family === "UNKNOWN") return { kind: "header", length, source: undefined };
  if ((family !== "TCP4" && family !== "TCP6") || rest.length !== 4) {
    return { kind: "invalid", reason: "bad PROXY line" };
  }
  const [src = "", dst = "", sport = "", dport = ""] = rest;
  const v4 = family === "TCP4";
  if (!validAddress(src, v4) || !validAddress(dst, v4) || !port(sport) || !port(dport)) {
    return { kind: "invalid", reason: "bad PROXY addresses" };
  }
  return { kind: "header", length, source: netAddr(formatIp(parseIp(src)!), Number(sport)) };
}

/** A decimal port without leading zeros (as the spec writes them), 0 to 65535. */
function port(text: string): boolean {
  return /^(0|[1-9]\d{0,4})$/.test(text) && Number(text) <= 65535;
}

/** A dotted quad for TCP4, an IPv6 address for TCP6. */
function validAddress(text: string, v4: boolean): boolean {
  if (v4) {
    const parts = text.split(".");
    return parts.length === 4 &&
      parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
  }
  return text.includes(":") && text.length <= 45 && parseIp(text) !== undefined;
}

function netAddr(hostname: string, port: number): Deno.NetAddr {
  return { transport: "tcp", hostname, port };
}

/** The 16 fixed bytes, then the address block (and TLVs, which are skipped). */
function parseV2(bytes: Uint8Array): ProxyHeaderResult {
  const versionCommand = bytes[12]!;
  const familyTransport = bytes[13]!;
  const blockLength = (bytes[14]! << 8) | bytes[15]!;
  const length = 16 + blockLength;
  if (versionCommand >> 4 !== 2) return { kind: "invalid", reason: "PROXY version not 2" };
  const command = versionCommand & 0x0f;
  if (command > 1) return { kind: "invalid", reason: "bad PROXY command" };
  if (length > V2_MAX_BYTES) return { kind: "invalid", reason: "PROXY header too long" };
  if (bytes.length < length) return { kind: "incomplete" };
  // LOCAL: the proxy's own connection (a health check): the peer is the client
  if (command === 0) return { kind: "header", length, source: undefined };
  const family = familyTransport >> 4;
  const block = bytes.subarray(16, length);
  if (family === 1) {
    if (block.length < 12) return { kind: "invalid", reason: "short PROXY address block" };
    const src = [...block.subarray(0, 4)].join(".");
    return { kind: "header", length, source: netAddr(src, (block[8]! << 8) | block[9]!) };
  }
  if (family === 2) {
    if (block.length < 36) return { kind: "invalid", reason: "short PROXY address block" };
    const src = formatIp(block.subarray(0, 16));
    return { kind: "header", length, source: netAddr(src, (block[32]! << 8) | block[33]!) };
  }
  // UNSPEC or UNIX: no IP address to use; the peer's own stands
  if (family === 0 || family === 3) return { kind: "header", length, source: undefined };
  return { kind: "invalid", reason: "bad PROXY address family" };
}
