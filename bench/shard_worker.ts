/**
 * Entry point of a shard running in a Web Worker (`chat bench --shard-kind thread`).
 *
 * @module
 */

import { type FromShard, shardEndpoint, type ToShard } from "./link.ts";

const scope = globalThis as unknown as {
  postMessage(m: FromShard): void;
  onmessage: ((e: MessageEvent<ToShard>) => void) | null;
};
const endpoint = shardEndpoint((m) => scope.postMessage(m));
scope.onmessage = (e) => endpoint(e.data);
