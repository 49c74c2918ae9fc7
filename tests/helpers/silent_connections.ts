/**
 * Connections that say nothing, for testing what the server does about them: how soon it closes
 * them, and what it said first.
 *
 * @module
 */

const decoder = new TextDecoder();

/**
 * Reads `conn` until the server closes it: what it sent, and the milliseconds from this call
 * until the close (Infinity: still open at the deadline).
 */
export async function untilClosed(
  conn: Deno.Conn,
  deadlineMs: number,
): Promise<{ text: string; ms: number }> {
  const start = performance.now();
  let text = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((r) => timer = setTimeout(() => r("late"), deadlineMs));
  const buf = new Uint8Array(64 * 1024);
  try {
    for (;;) {
      const n = await Promise.race([conn.read(buf).catch(() => null), late]);
      if (n === "late") return { text, ms: Infinity };
      if (n === null) return { text, ms: performance.now() - start };
      text += decoder.decode(buf.subarray(0, n));
    }
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Opens `count` TCP connections to `port` that never send a byte; resolves with, for each, the
 * milliseconds from its connect until the server closed it (Infinity: still open at the deadline).
 */
export async function silentConnections(
  port: number,
  count: number,
  deadlineMs: number,
): Promise<number[]> {
  const closed: Promise<number>[] = [];
  const conns: Deno.TcpConn[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conns.push(conn);
      closed.push(untilClosed(conn, deadlineMs).then((r) => r.ms));
    }
    return await Promise.all(closed);
  } finally {
    closeAll(conns);
  }
}

/** Closes connections the server may already have closed. */
export function closeAll(conns: Deno.Conn[]): void {
  for (const c of conns) {
    try {
      c.close();
    } catch { /* closed */ }
  }
}
