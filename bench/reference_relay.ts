/**
 * The least a Deno chat server can do: `deno task bench`'s reference for what Deno's sockets and
 * V8 allow on their own, measured beside chat and the peers in the same run. Nothing but what the
 * bench client needs: `001` after NICK and USER, a JOIN answered to the joiner alone (its JOIN and
 * `366`: no NAMES, and the members are not told, so there is no join storm to measure), PONG, and
 * PRIVMSG fanned out to the other members of a channel. No validation, no history, no modes, no
 * flood control: not a server for anyone, a ceiling for idle connections and fan-out.
 *
 * It uses the best socket pattern measured here: a 512-byte read buffer that grows to 4 KiB once
 * a read fills it, lines split in place, and per connection one write in flight, everything queued
 * meanwhile sent as one write on a shared 1 ms tick.
 *
 * Usage: `deno run --allow-net bench/reference_relay.ts PORT`
 *
 * @module
 */

const FLUSH_MS = 1;
const FIRST_READ = 512;
const MAX_READ = 4096;
const LF = 10, CR = 13;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Client {
  conn: Deno.TcpConn;
  nick: string;
  user: boolean;
  queue: Uint8Array[];
  writing: boolean;
  channels: Set<string>;
}

const channels = new Map<string, Set<Client>>();
const waiting = new Set<Client>();
let ticking = false;

function send(c: Client, bytes: Uint8Array): void {
  c.queue.push(bytes);
  schedule(c);
}

function schedule(c: Client): void {
  waiting.add(c);
  if (!ticking) {
    ticking = true;
    setTimeout(tick, FLUSH_MS);
  }
}

function tick(): void {
  ticking = false;
  for (const c of waiting) if (!c.writing) write(c);
  waiting.clear();
}

async function write(c: Client): Promise<void> {
  if (c.queue.length === 0) return; // emptied by a failed write
  c.writing = true;
  const parts = c.queue;
  c.queue = [];
  let bytes = parts[0];
  if (parts.length > 1) {
    bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      bytes.set(p, at);
      at += p.length;
    }
  }
  try {
    for (let done = 0; done < bytes.length;) done += await c.conn.write(bytes.subarray(done));
  } catch {
    c.queue = []; // closed: the read loop cleans up
  }
  c.writing = false;
  if (c.queue.length > 0) schedule(c);
}

function line(c: Client, text: string): void {
  const space = text.indexOf(" ");
  const command = space === -1 ? text : text.slice(0, space);
  const rest = space === -1 ? "" : text.slice(space + 1);
  switch (command) {
    case "NICK":
    case "USER":
      if (command === "NICK") c.nick = rest;
      else c.user = true;
      if (c.nick && c.user) send(c, encoder.encode(`:relay 001 ${c.nick} :Welcome\r\n`));
      return;
    case "PING":
      send(c, encoder.encode(`:relay PONG relay ${rest}\r\n`));
      return;
    case "JOIN": {
      let members = channels.get(rest);
      if (!members) channels.set(rest, members = new Set());
      members.add(c);
      c.channels.add(rest);
      send(
        c,
        encoder.encode(`:${c.nick}!u@h JOIN ${rest}\r\n:relay 366 ${c.nick} ${rest} :End\r\n`),
      );
      return;
    }
    case "PRIVMSG": {
      const target = rest.slice(0, rest.indexOf(" "));
      const bytes = encoder.encode(`:${c.nick}!u@h PRIVMSG ${rest}\r\n`);
      for (const member of channels.get(target) ?? []) if (member !== c) send(member, bytes);
      return;
    }
  }
}

async function serve(conn: Deno.TcpConn): Promise<void> {
  const c: Client = { conn, nick: "", user: false, queue: [], writing: false, channels: new Set() };
  conn.setNoDelay(true);
  let buf = new Uint8Array(FIRST_READ);
  let have = 0;
  try {
    for (;;) {
      const n = await conn.read(buf.subarray(have));
      if (n === null) break;
      const filled = have + n === buf.length;
      have += n;
      let start = 0;
      for (let i = 0; i < have; i++) {
        if (buf[i] !== LF) continue;
        const end = i > start && buf[i - 1] === CR ? i - 1 : i;
        line(c, decoder.decode(buf.subarray(start, end)));
        start = i + 1;
      }
      buf.copyWithin(0, start, have);
      have -= start;
      if (filled && buf.length < MAX_READ) {
        const bigger = new Uint8Array(buf.length * 2);
        bigger.set(buf.subarray(0, have));
        buf = bigger;
      } else if (have === buf.length) break; // a line longer than the buffer: drop the client
    }
  } catch { /* reset by peer */ }
  for (const name of c.channels) channels.get(name)?.delete(c);
  waiting.delete(c);
  try {
    conn.close();
  } catch { /* already closed */ }
}

if (import.meta.main) {
  const port = Number(Deno.args[0]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    console.error("usage: reference_relay.ts PORT");
    Deno.exit(2);
  }
  for await (const conn of Deno.listen({ hostname: "127.0.0.1", port })) serve(conn);
}
