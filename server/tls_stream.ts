/**
 * The server side of one TLS connection, as a `ByteStream`: `node:tls` over an accepted
 * `Deno.TcpConn`. Not `Deno.listenTls`, because a `Deno.TlsConn` whose handshake has not finished
 * cannot be closed: `close()` leaves the socket open until the peer speaks or goes away (measured
 * under Deno 2.9.6: 40 s and counting), so a client that never sends its ClientHello would hold a
 * file descriptor forever. Not a `node:net` server either: under Deno 2.9.6 it stops accepting for
 * good, silently, after one failed accept (EMFILE). Here the TCP side is Deno's, whose `close()`
 * frees the socket at once, and a handshake that takes longer than its timeout does that by itself.
 *
 * @module
 */

import { Duplex } from "node:stream";
import { type SecureContext, TLSSocket } from "node:tls";
import type { ByteStream } from "./byte_stream.ts";

/**
 * The TCP side a TLS connection runs over: a `Deno.TcpConn`, or one after its PROXY header
 * (proxy_stream.ts).
 */
export type RawConn =
  & Pick<Deno.TcpConn, "read" | "write" | "closeWrite" | "close" | "setNoDelay" | "setKeepAlive">
  & { readonly remoteAddr: Deno.NetAddr };

/** Why reads fail after the handshake timed out. */
export const HANDSHAKE_TIMED_OUT = "TLS handshake timed out";

/** Encrypted bytes are read this much at a time (a TLS record is at most ~16 KiB). */
const RAW_READ_BYTES = 4096;

/** A TCP connection as the node stream `TLSSocket` wraps; destroying it closes the socket. */
function duplexOf(conn: RawConn): Duplex {
  const buf = new Uint8Array(RAW_READ_BYTES);
  let reading = false;
  return new Duplex({
    read() {
      if (reading) return;
      reading = true;
      conn.read(buf).then((n) => {
        reading = false;
        this.push(n === null ? null : buf.slice(0, n)); // node asks again while it wants more
      }, (err) => this.destroy(err));
    },
    write(chunk: Uint8Array, _encoding, done) {
      (async () => {
        while (chunk.length > 0) chunk = chunk.subarray(await conn.write(chunk));
      })().then(() => done(), done);
    },
    final(done) {
      conn.closeWrite().then(() => done(), () => done());
    },
    destroy(err, done) {
      try {
        conn.close();
      } catch { /* closed already */ }
      done(err);
    },
  });
}

/** One accepted TLS connection; the handshake starts at once and must end in time. */
export class TlsStream implements ByteStream {
  readonly remoteAddr: Deno.NetAddr;
  readonly #conn: RawConn;
  readonly #raw: Duplex;
  readonly #tls: TLSSocket;
  /** Data received and not yet read (the socket is paused while there is some). */
  #chunk: Uint8Array | undefined;
  #ended = false;
  #error: Error | undefined;
  #wakeReader: (() => void) | undefined;
  #writeFailed: ((err: Error) => void) | undefined;
  #handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  #peerFingerprint: string | undefined;

  constructor(conn: RawConn, context: SecureContext, handshakeTimeoutMs: number) {
    this.#conn = conn;
    this.remoteAddr = conn.remoteAddr;
    const raw = duplexOf(conn);
    this.#raw = raw;
    raw.on("error", (err: Error) => this.#fail(err));
    // A client certificate is asked for, never required, and not checked against any CA: it is
    // an identity the client proves it holds (SASL EXTERNAL matches its fingerprint).
    const tls = new TLSSocket(raw, {
      isServer: true,
      secureContext: context,
      requestCert: true,
      rejectUnauthorized: false,
    });
    this.#tls = tls;
    this.#handshakeTimer = setTimeout(
      () => this.#fail(new Error(HANDSHAKE_TIMED_OUT)),
      handshakeTimeoutMs,
    );
    tls.on("secure", () => {
      clearTimeout(this.#handshakeTimer);
      const fp = tls.getPeerCertificate()?.fingerprint256;
      if (fp) this.#peerFingerprint = fp.replaceAll(":", "").toLowerCase();
    });
    tls.on("data", (data: Uint8Array) => {
      const held = this.#chunk;
      if (held === undefined) this.#chunk = data;
      else {
        this.#chunk = new Uint8Array(held.length + data.length);
        this.#chunk.set(held);
        this.#chunk.set(data, held.length);
      }
      tls.pause(); // until it is read: what a client sends waits in its socket, not here
      this.#wake();
    });
    tls.on("end", () => {
      this.#ended = true;
      this.#wake();
    });
    tls.on("close", () => this.#fail(new Error("Connection closed")));
    tls.on("error", (err: Error) => this.#fail(err));
  }

  read(p: Uint8Array): Promise<number | null> {
    const chunk = this.#chunk;
    if (chunk !== undefined) {
      const n = Math.min(p.length, chunk.length);
      p.set(chunk.subarray(0, n));
      if (n === chunk.length) {
        this.#chunk = undefined;
        if (!this.#ended && this.#error === undefined) this.#tls.resume();
      } else {
        this.#chunk = chunk.subarray(n);
      }
      return Promise.resolve(n);
    }
    if (this.#ended) return Promise.resolve(null);
    if (this.#error !== undefined) return Promise.reject(this.#error);
    this.#tls.resume();
    return new Promise<void>((resolve) => this.#wakeReader = resolve).then(() => this.read(p));
  }

  write(p: Uint8Array): Promise<number> {
    if (this.#error !== undefined) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => {
      this.#writeFailed = reject;
      this.#tls.write(p, (err?: Error | null) => {
        this.#writeFailed = undefined;
        if (err) reject(err);
        else resolve(p.length);
      });
    });
  }

  close(): void {
    this.#fail(new Error("Connection closed"));
  }

  setNoDelay(noDelay = true): void {
    this.#conn.setNoDelay(noDelay);
  }

  setKeepAlive(keepAlive = true): void {
    this.#conn.setKeepAlive(keepAlive);
  }

  peerFingerprint(): string | undefined {
    return this.#peerFingerprint;
  }

  /** Ends the connection for good: the socket is destroyed, waiting reads and writes end. */
  #fail(err: Error): void {
    clearTimeout(this.#handshakeTimer);
    if (this.#error !== undefined) return;
    this.#error = err;
    this.#tls.destroy();
    this.#raw.destroy();
    this.#writeFailed?.(err);
    this.#writeFailed = undefined;
    this.#wake();
  }

  #wake(): void {
    const wake = this.#wakeReader;
    this.#wakeReader = undefined;
    wake?.();
  }
}
