/**
 * One TCP connection to an IRC server: connecting with a timeout and a plain-language error,
 * reading lines through the shared framer and parser, and one writer draining a send queue in
 * which user lines are paced (`TokenBucket`) while protocol replies such as PONG may jump ahead.
 * Reconnecting is the session's job; this object lives and dies with its socket.
 *
 * @module
 */

import * as nodeTls from "node:tls";
import { LineFramer, SERVER_LINE_LIMITS } from "../protocol/lines.ts";
import { type Message, parseMessage, serializeMessage } from "../protocol/message.ts";
import { DEFAULT_PACING, pacingBucket, type PacingPolicy } from "./pacer.ts";
import type { TokenBucket } from "../util/token_bucket.ts";
import { errorMessage } from "../util/error_message.ts";

/** Where to connect. */
export interface ServerAddress {
  host: string;
  port: number;
}

/** Why a connection could not be made, in words fit for a one-line error. */
export interface ConnectError {
  kind: "refused" | "dns" | "timeout" | "unreachable" | "tls" | "other";
  message: string;
}

/** TLS settings: verify against the system roots (plus `caCerts`), or not at all. */
export interface TlsOptions {
  /** Accept any certificate (self-signed, expired, wrong name). */
  insecure: boolean;
  /** Extra trusted CA certificates (PEM). */
  caCerts?: string[];
}

/** What the connection reads from and writes to: a TCP or TLS socket. */
export interface ByteStream {
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  close(): void;
}

/** The outcome of `connectTo`. */
export type ConnectResult =
  | { ok: true; connection: IrcConnection }
  | { ok: false; error: ConnectError };

/** How a line is queued. */
export interface SendOptions {
  /** Counts against the flood pacing (user-typed lines). */
  paced?: boolean;
  /** Goes before everything queued (PONG). */
  urgent?: boolean;
}

/** `host:port`, with brackets around IPv6 literals. */
export function formatAddress(addr: ServerAddress): string {
  return addr.host.includes(":") ? `[${addr.host}]:${addr.port}` : `${addr.host}:${addr.port}`;
}

/** Explains a failed `Deno.connect` in one line, without a stack trace. */
export function describeConnectError(err: unknown, addr: ServerAddress): ConnectError {
  const where = formatAddress(addr);
  const detail = errorMessage(err);
  if (err instanceof Deno.errors.ConnectionRefused) {
    return { kind: "refused", message: `cannot connect to ${where}: connection refused` };
  }
  if (err instanceof Deno.errors.TimedOut) {
    return { kind: "timeout", message: `cannot connect to ${where}: timed out` };
  }
  if (/lookup address|name or service not known|no address associated|nodename/i.test(detail)) {
    return { kind: "dns", message: `cannot resolve host name ${addr.host}` };
  }
  if (/certificate|handshake|tls|alert/i.test(detail)) {
    return {
      kind: "tls",
      message: `cannot connect to ${where}: the TLS certificate is not trusted ` +
        `(${detail.replace(/\s*\(os error \d+\)$/, "")}); --insecure accepts it anyway`,
    };
  }
  if (/unreachable/i.test(detail)) {
    return { kind: "unreachable", message: `cannot connect to ${where}: network unreachable` };
  }
  return {
    kind: "other",
    message: `cannot connect to ${where}: ${detail.replace(/\s*\(os error \d+\)$/, "")}`,
  };
}

/** Options for a connection. */
export interface ConnectionOptions {
  /** Called for every parsed line from the server. */
  onMessage(m: Message, connection: IrcConnection): void;
  /**
   * Called for a line past even the generous `SERVER_LINE_LIMITS`, which is dropped: the user
   * must be told, or a sender could hide text from them.
   */
  onTooLong?(connection: IrcConnection): void;
  pacing?: PacingPolicy;
  /** Give up connecting after this long. */
  timeoutMs?: number;
  /** Connect with TLS. */
  tls?: TlsOptions;
}

/** A verified TLS connection (Deno's own TLS), handshake done so errors surface here. */
async function connectVerified(addr: ServerAddress, tls: TlsOptions): Promise<ByteStream> {
  const conn = await Deno.connectTls({
    hostname: addr.host,
    port: addr.port,
    caCerts: tls.caCerts,
  });
  try {
    await conn.handshake();
  } catch (err) {
    conn.close();
    throw err;
  }
  return conn;
}

/**
 * A TLS connection that accepts any certificate. Deno's own TLS always verifies, so this goes
 * through `node:tls` with `rejectUnauthorized: false`, adapted to `ByteStream`.
 */
function connectInsecure(addr: ServerAddress): Promise<ByteStream> {
  return new Promise((resolve, reject) => {
    const socket = nodeTls.connect({
      host: addr.host,
      port: addr.port,
      rejectUnauthorized: false,
      servername: /^[\d.]+$|:/.test(addr.host) ? undefined : addr.host,
    });
    const chunks: Uint8Array[] = [];
    let ended = false;
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    const notify = () => {
      wake?.();
      wake = undefined;
    };
    socket.on("data", (d: Uint8Array) => {
      chunks.push(new Uint8Array(d));
      notify();
    });
    socket.on("end", () => {
      ended = true;
      notify();
    });
    socket.on("close", () => {
      ended = true;
      notify();
    });
    socket.once("error", (err: Error) => {
      failure = err;
      ended = true;
      notify();
      reject(err);
    });
    socket.once("secureConnect", () =>
      resolve({
        async read(p) {
          while (chunks.length === 0 && !ended) await new Promise<void>((r) => wake = r);
          const head = chunks[0];
          if (head === undefined) {
            if (failure) throw failure;
            return null;
          }
          const n = Math.min(p.length, head.length);
          p.set(head.subarray(0, n));
          if (n === head.length) chunks.shift();
          else chunks[0] = head.subarray(n);
          return n;
        },
        write(p) {
          return new Promise((res, rej) =>
            socket.write(p.slice(), (err?: Error | null) => err ? rej(err) : res(p.length))
          );
        },
        close() {
          socket.destroy();
          ended = true;
          notify();
        },
      }));
  });
}

/** Opens a TCP connection; never throws. */
export async function connectTo(
  addr: ServerAddress,
  options: ConnectionOptions,
): Promise<ConnectResult> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tls = options.tls;
  const attempt: Promise<ByteStream> = !tls
    ? Deno.connect({ hostname: addr.host, port: addr.port }).then((c) => {
      c.setNoDelay(true);
      return c;
    })
    : tls.insecure
    ? connectInsecure(addr)
    : connectVerified(addr, tls);
  const timeout = new Promise<"timeout">((resolve) =>
    timer = setTimeout(() => resolve("timeout"), timeoutMs)
  );
  try {
    const conn = await Promise.race([attempt, timeout]);
    if (conn === "timeout") {
      attempt.then((c) => c.close(), () => {});
      return { ok: false, error: describeConnectError(new Deno.errors.TimedOut(), addr) };
    }
    return { ok: true, connection: new IrcConnection(conn, options) };
  } catch (err) {
    return { ok: false, error: describeConnectError(err, addr) };
  } finally {
    clearTimeout(timer);
  }
}

interface Queued {
  line: string;
  paced: boolean;
}

const encoder = new TextEncoder();

/** A live connection. Create with `connectTo`. */
export class IrcConnection {
  readonly #conn: ByteStream;
  readonly #onMessage: (m: Message, connection: IrcConnection) => void;
  readonly #onTooLong: ((connection: IrcConnection) => void) | undefined;
  readonly #bucket: TokenBucket;
  readonly #queue: Queued[] = [];
  #writing = false;
  #pacingTimer: ReturnType<typeof setTimeout> | undefined;
  #drainWaiters: (() => void)[] = [];
  #closedReason: string | undefined;
  #resolveClosed!: (reason: string) => void;
  /** Resolves with a reason once the connection is closed, by either side. */
  readonly closed: Promise<string>;
  /** When the last byte arrived (for liveness checks). */
  lastReceived = Date.now();
  readonly #reading: Promise<void>;

  constructor(conn: ByteStream, options: ConnectionOptions) {
    this.#conn = conn;
    this.#onMessage = options.onMessage;
    this.#onTooLong = options.onTooLong;
    this.#bucket = pacingBucket(options.pacing ?? DEFAULT_PACING, Date.now());
    this.closed = new Promise((resolve) => this.#resolveClosed = resolve);
    this.#reading = this.#read();
  }

  /** True once closed. */
  get isClosed(): boolean {
    return this.#closedReason !== undefined;
  }

  /** Lines queued and not yet written. */
  get queued(): number {
    return this.#queue.length;
  }

  async #read(): Promise<void> {
    const framer = new LineFramer(SERVER_LINE_LIMITS);
    const buf = new Uint8Array(16384);
    const handler = {
      line: (text: string) => {
        const m = parseMessage(text);
        if (m !== undefined && !this.isClosed) this.#onMessage(m, this);
      },
      tooLong: () => {
        if (!this.isClosed) this.#onTooLong?.(this);
      },
    };
    let reason = "connection closed by the server";
    try {
      for (;;) {
        const n = await this.#conn.read(buf);
        if (n === null) break;
        this.lastReceived = Date.now();
        framer.push(buf.subarray(0, n), handler);
        if (this.isClosed) return;
      }
    } catch (err) {
      if (this.isClosed) return;
      reason = errorMessage(err).replace(/\s*\(os error \d+\)$/, "");
    }
    this.close(reason);
  }

  /** Queues one message. Does nothing once closed. */
  send(m: Message | string, options: SendOptions = {}): void {
    if (this.isClosed) return;
    const line = typeof m === "string" ? m : serializeMessage(m);
    const item = { line, paced: options.paced === true };
    if (options.urgent) {
      this.#queue.unshift(item);
      clearTimeout(this.#pacingTimer); // the urgent line need not wait for the paced one
      this.#pacingTimer = undefined;
    } else {
      this.#queue.push(item);
    }
    this.#pump();
  }

  /** Queues messages that leave together and are paced as one (a multiline batch). */
  sendTogether(messages: Message[], options: SendOptions = {}): void {
    this.send(messages.map((m) => serializeMessage(m)).join("\r\n"), options);
  }

  /** Resolves when the queue is empty (or the connection closed). */
  drained(): Promise<void> {
    if ((this.#queue.length === 0 && !this.#writing) || this.isClosed) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** Removes and returns the paced (user) lines not yet written, to resend after a reconnect. */
  takeUnsent(): string[] {
    const unsent = this.#queue.filter((q) => q.paced).map((q) => q.line);
    this.#queue.length = 0;
    return unsent;
  }

  #pump(): void {
    if (this.#writing || this.#pacingTimer !== undefined || this.isClosed) return;
    const batch: string[] = [];
    for (let head = this.#queue[0]; head !== undefined; head = this.#queue[0]) {
      if (head.paced) {
        const wait = this.#bucket.take(Date.now());
        if (wait > 0) {
          if (batch.length === 0) {
            this.#pacingTimer = setTimeout(() => {
              this.#pacingTimer = undefined;
              this.#pump();
            }, wait);
            return;
          }
          break;
        }
      }
      batch.push(head.line);
      this.#queue.shift();
    }
    if (batch.length === 0) {
      this.#wakeDrain();
      return;
    }
    this.#writing = true;
    this.#write(encoder.encode(batch.join("\r\n") + "\r\n")).then(() => {
      this.#writing = false;
      this.#pump();
    });
  }

  async #write(bytes: Uint8Array): Promise<void> {
    try {
      let off = 0;
      while (off < bytes.length) off += await this.#conn.write(bytes.subarray(off));
    } catch (err) {
      this.close(errorMessage(err));
    }
  }

  #wakeDrain(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const w of waiters) w();
  }

  /** Closes the socket (idempotent); `closed` resolves with `reason`. */
  close(reason = "closed"): void {
    if (this.isClosed) return;
    this.#closedReason = reason;
    clearTimeout(this.#pacingTimer);
    this.#pacingTimer = undefined;
    try {
      this.#conn.close();
    } catch { /* already closed */ }
    this.#wakeDrain();
    this.#reading.finally(() => this.#resolveClosed(reason));
  }
}
