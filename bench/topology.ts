/**
 * Who is where in a bench run: client i joins channel i mod C, the first S clients are the
 * senders (so they spread over the channels), and shard k of N owns the clients i with
 * i mod N = k. Pure arithmetic every shard and the coordinator agree on, so no shard needs to be
 * told about any other.
 *
 * @module
 */

/** The shape of a run. */
export interface Topology {
  clients: number;
  senders: number;
  channels: number;
  messages: number;
}

/** The channel index of client `i`. */
export function channelOf(t: Topology, i: number): number {
  return i % t.channels;
}

/** Senders in channel `c` (senders are clients 0..S-1, so channel c has those ≡ c mod C). */
export function sendersIn(t: Topology, c: number): number {
  return c < t.senders ? Math.floor((t.senders - 1 - c) / t.channels) + 1 : 0;
}

/** Slot of sender `s` among its channel's senders (0-based), for per-sender arrays. */
export function senderSlot(t: Topology, s: number): number {
  return Math.floor(s / t.channels);
}

/** Deliveries client `i` should receive: every message of every other sender in its channel. */
export function expectedFor(t: Topology, i: number): number {
  const others = sendersIn(t, channelOf(t, i)) - (i < t.senders ? 1 : 0);
  return others * t.messages;
}

/** Deliveries the whole run should produce. */
export function expectedTotal(t: Topology): number {
  let total = 0;
  for (let c = 0; c < t.channels; c++) {
    const members = Math.floor((t.clients - 1 - c) / t.channels) + 1;
    total += sendersIn(t, c) * (members - 1) * t.messages;
  }
  return total;
}

/** The clients shard `k` of `n` owns. */
export function shardClients(total: number, k: number, n: number): number[] {
  const out: number[] = [];
  for (let i = k; i < total; i += n) out.push(i);
  return out;
}
