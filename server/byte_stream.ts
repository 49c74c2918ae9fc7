/**
 * The one socket shape the server's connections are written against: a plain TCP `Deno.TcpConn`
 * and a TLS `TlsStream` (tls_stream.ts) both fit it, so IRC lines, HTTP requests and WebSocket
 * frames are read the same way over either.
 *
 * @module
 */

/** A connected byte stream; `close` must free the socket at once, whatever is pending. */
export interface ByteStream {
  readonly remoteAddr: Deno.NetAddr;
  /** Reads into `p`; null at the end of the stream. */
  read(p: Uint8Array): Promise<number | null>;
  /** Writes some prefix of `p` and resolves with its length. */
  write(p: Uint8Array): Promise<number>;
  /** Closes the socket now; pending reads and writes end. */
  close(): void;
  setNoDelay?(noDelay?: boolean): void;
  setKeepAlive?(keepAlive?: boolean): void;
  /**
   * SHA-256 fingerprint (lowercase hex) of the certificate the peer presented in a TLS handshake
   * that has completed; undefined without one.
   */
  peerFingerprint?(): string | undefined;
}

/** Closes a stream that may be closed already. */
export function closeQuietly(stream: ByteStream): void {
  try {
    stream.close();
  } catch { /* already closed */ }
}

/**
 * Writes all of `bytes`, closing the stream when that takes longer than `timeoutMs` (a peer
 * that does not read). Resolves false when the bytes did not all go out.
 */
export async function writeAll(
  stream: ByteStream,
  bytes: Uint8Array,
  timeoutMs: number,
): Promise<boolean> {
  const timer = setTimeout(() => closeQuietly(stream), timeoutMs);
  try {
    while (bytes.length > 0) bytes = bytes.subarray(await stream.write(bytes));
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Sends a short courtesy message to a connection that will not be served (an ERROR line, an
 * HTTP refusal) and closes it: at once when the write completes, which on a new plain socket is
 * at once, and after `timeoutMs` at the latest.
 */
export function sendAndClose(stream: ByteStream, bytes: Uint8Array, timeoutMs: number): void {
  writeAll(stream, bytes, timeoutMs).finally(() => closeQuietly(stream));
}

/** How long to wait before accepting again after a failed accept (EMFILE and friends). */
const ACCEPT_RETRY_MS = 100;

/**
 * Accepts connections until the listener closes. A failed accept (out of file descriptors, …)
 * is reported and retried shortly, so the clients already served carry on; once `stopped()`
 * says so, a failure ends the loop.
 */
export async function acceptLoop(
  listener: Deno.TcpListener,
  accepted: (conn: Deno.TcpConn) => void,
  failed: (err: unknown) => void,
  stopped: () => boolean,
): Promise<void> {
  for (;;) {
    let conn: Deno.TcpConn;
    try {
      conn = await listener.accept();
    } catch (err) {
      if (stopped()) return;
      failed(err);
      await new Promise((r) => setTimeout(r, ACCEPT_RETRY_MS));
      continue;
    }
    accepted(conn);
  }
}
