/**
 * The least a Deno chat server can do: `deno task bench`'s reference for what Deno's sockets and
 * V8 allow on their own, measured beside chat and the peers in the same run. Nothing but what the
 * bench client needs: `001` after NICK and USER, a JOIN answered to the joiner alone (its JOIN and
 * `366`: no NAMES, and the members are not told, so there is no join storm to measure), PONG, and
 * PRIVMSG fanned out to the other members of a channel. No validation, no history, no modes, no
 * flood control: not a server for anyone, a ceiling for idle connections and fan-out.
 *
 * It uses the fastest and leanest pattern measured on Deno 2.9 here: `node:net` sockets (served
 * from a libuv-like layer in Rust that calls back on data, instead of a pending `read()` per
 * connection: 11 instead of 17 KiB per idle connection, 1.2–1.4 instead of 0.8–0.95 M deliveries
 * per CPU-second over many small channels than the same relay on `Deno.Conn`), and everything
 * queued for a client sent as one write on a shared 1 ms tick.
 *
 * Usage: `deno run --allow-net scripts/side_by_side/reference_relay.ts PORT`
 *
 * @module
 */

import { createServer, type Socket } from "node:net";

const FLUSH_MS = 1;

interface Client {
  socket: Socket;
  nick: string;
  user: boolean;
  queue: string[];
  channels: Set<string>;
}

const channels = new Map<string, Set<Client>>();
const waiting = new Set<Client>();
let ticking = false;

function send(c: Client, text: string): void {
  c.queue.push(text);
  waiting.add(c);
  if (!ticking) {
    ticking = true;
    setTimeout(tick, FLUSH_MS);
  }
}

function tick(): void {
  ticking = false;
  for (const c of waiting) {
    c.socket.write(c.queue.join(""), "latin1");
    c.queue = [];
  }
  waiting.clear();
}

function line(c: Client, text: string): void {
  const space = text.indexOf(" ");
  const command = space === -1 ? text : text.slice(0, space);
  const rest = space === -1 ? "" : text.slice(space + 1);
  switch (command) {
    case "PRIVMSG": {
      const target = rest.slice(0, rest.indexOf(" "));
      const out = `:${c.nick}!u@h PRIVMSG ${rest}\r\n`;
      for (const member of channels.get(target) ?? []) if (member !== c) send(member, out);
      return;
    }
    case "NICK":
    case "USER":
      if (command === "NICK") c.nick = rest;
      else c.user = true;
      if (c.nick && c.user) send(c, `:relay 001 ${c.nick} :Welcome\r\n`);
      return;
    case "PING":
      send(c, `:relay PONG relay ${rest}\r\n`);
      return;
    case "JOIN": {
      let members = channels.get(rest);
      if (!members) channels.set(rest, members = new Set());
      members.add(c);
      c.channels.add(rest);
      send(c, `:${c.nick}!u@h JOIN ${rest}\r\n:relay 366 ${c.nick} ${rest} :End\r\n`);
      return;
    }
  }
}

function serve(socket: Socket): void {
  const c: Client = { socket, nick: "", user: false, queue: [], channels: new Set() };
  socket.setNoDelay(true);
  socket.setEncoding("latin1"); // one byte per character: lines are split without decoding
  let pending = "";
  socket.on("data", (chunk: string) => {
    pending += chunk;
    let start = 0;
    for (let end; (end = pending.indexOf("\n", start)) !== -1; start = end + 1) {
      line(c, pending.slice(start, pending.charCodeAt(end - 1) === 13 ? end - 1 : end));
    }
    pending = pending.slice(start);
  });
  socket.on("close", () => {
    for (const name of c.channels) channels.get(name)?.delete(c);
    waiting.delete(c);
  });
  socket.on("error", () => {}); // reset by peer: 'close' follows
}

if (import.meta.main) {
  const port = Number(Deno.args[0]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    console.error("usage: reference_relay.ts PORT");
    Deno.exit(2);
  }
  createServer(serve).listen(port, "127.0.0.1");
}
