/**
 * Reading the PROXY protocol header (proxy_protocol.ts) from a trusted proxy's connection before
 * anything else, within a deadline and a size bound, and the connection as the rest of the server
 * then sees it: the client's real address, and the bytes read past the header given back first.
 *
 * @module
 */

import { type Cidr, cidrContains, parseIp } from "./cidr.ts";
import { looksLikeProxyHeader, parseProxyHeader, V2_MAX_BYTES } from "./proxy_protocol.ts";

/** The address ranges (`--proxy-from`) whose connections carry a client's real address. */
export class TrustedProxies {
  readonly #ranges: readonly Cidr[];
  /** A trusted proxy sends its header at once; one not complete by then is closed. */
  readonly headerTimeoutMs: number;

  constructor(ranges: readonly Cidr[], headerTimeoutMs: number) {
    this.#ranges = ranges;
    this.headerTimeoutMs = headerTimeoutMs;
  }

  /** Whether `addr` is a trusted proxy's (its connections must start with a PROXY header). */
  trusts(addr: Deno.NetAddr): boolean {
    const bytes = parseIp(addr.hostname);
    return bytes !== undefined && this.#ranges.some((range) => cidrContains(range, bytes));
  }
}

/** A TCP connection after its PROXY header: the real client's address, early bytes first. */
export class ProxiedConn {
  readonly remoteAddr: Deno.NetAddr;
  /** The proxy's own address, for logs. */
  readonly proxyAddr: Deno.NetAddr;
  readonly #conn: Deno.TcpConn;
  #early: Uint8Array;

  constructor(conn: Deno.TcpConn, remote: Deno.NetAddr, early: Uint8Array) {
    this.#conn = conn;
    this.remoteAddr = remote;
    this.proxyAddr = conn.remoteAddr;
    this.#early = early;
  }

  read(p: Uint8Array): Promise<number | null> {
    if (this.#early.length === 0) return this.#conn.read(p);
    const n = Math.min(p.length, this.#early.length);
    p.set(this.#early.subarray(0, n));
    this.#early = this.#early.subarray(n);
    return Promise.resolve(n);
  }

  write(p: Uint8Array): Promise<number> {
    return this.#conn.write(p);
  }

  closeWrite(): Promise<void> {
    return this.#conn.closeWrite();
  }

  close(): void {
    this.#conn.close();
  }

  setNoDelay(noDelay = true): void {
    this.#conn.setNoDelay(noDelay);
  }

  setKeepAlive(keepAlive = true): void {
    this.#conn.setKeepAlive(keepAlive);
  }
}

/** What reading the header gave: the connection to serve, or why it is closed. */
export type ProxyRead = { ok: true; conn: ProxiedConn } | { ok: false; reason: string };

/**
 * Reads a PROXY header from a trusted peer. Never hangs: at `timeoutMs` the socket is closed and
 * the read fails; a malformed or oversized header fails at once. The caller closes the socket on
 * failure (it may first say why).
 */
export async function readProxyHeader(conn: Deno.TcpConn, timeoutMs: number): Promise<ProxyRead> {
  const buf = new Uint8Array(V2_MAX_BYTES);
  let filled = 0;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      conn.close();
    } catch { /* closed already */ }
  }, timeoutMs);
  try {
    for (;;) {
      const result = parseProxyHeader(buf.subarray(0, filled));
      if (result.kind === "invalid") return { ok: false, reason: result.reason };
      if (result.kind === "header") {
        const remote = result.source ?? conn.remoteAddr;
        const early = buf.slice(result.length, filled);
        return { ok: true, conn: new ProxiedConn(conn, remote, early) };
      }
      if (filled === buf.length) return { ok: false, reason: "PROXY header too long" };
      const n = await conn.read(buf.subarray(filled));
      if (n === null) {
        return {
          ok: false,
          reason: timedOut ? "PROXY header timed out" : "closed before a PROXY header",
        };
      }
      filled += n;
    }
  } catch {
    return { ok: false, reason: timedOut ? "PROXY header timed out" : "read error" };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * An untrusted connection to the TLS port, watched for a PROXY header in its first bytes (a proxy
 * the operator did not list in `--proxy-from`): that gets `refusal`, in plain text since no
 * handshake will happen, and the connection ends, instead of a TLS error nobody can read.
 */
export class StrayHeaderGuard {
  readonly remoteAddr: Deno.NetAddr;
  readonly #conn: Deno.TcpConn;
  readonly #refusal: Uint8Array;
  #first = true;

  constructor(conn: Deno.TcpConn, refusal: Uint8Array) {
    this.#conn = conn;
    this.remoteAddr = conn.remoteAddr;
    this.#refusal = refusal;
  }

  async read(p: Uint8Array): Promise<number | null> {
    const n = await this.#conn.read(p);
    if (!this.#first || n === null) return n;
    this.#first = false;
    if (!looksLikeProxyHeader(p.subarray(0, n))) return n;
    try {
      await this.#conn.write(this.#refusal); // a new socket's buffer takes one line at once
      this.#conn.close();
    } catch { /* gone already */ }
    return null;
  }

  write(p: Uint8Array): Promise<number> {
    return this.#conn.write(p);
  }

  closeWrite(): Promise<void> {
    return this.#conn.closeWrite();
  }

  close(): void {
    this.#conn.close();
  }

  setNoDelay(noDelay = true): void {
    this.#conn.setNoDelay(noDelay);
  }

  setKeepAlive(keepAlive = true): void {
    this.#conn.setKeepAlive(keepAlive);
  }
}
