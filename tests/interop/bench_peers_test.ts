/**
 * `chat bench` against the peer servers `deno task bench` compares with (Debian's ngIRCd and
 * InspIRCd, configured by `scripts/support/peers.ts`): a tiny scenario must be delivered in full,
 * and the server's memory and CPU must be sampled from /proc.
 */
import assert from "node:assert/strict";
import { runBench } from "../../bench/coordinator.ts";
import { DEFAULT_OPTIONS } from "../../bench/options.ts";
import {
  hasProgram,
  type PeerServer,
  startInspircd,
  startNgircd,
} from "../../scripts/support/peers.ts";

async function tinyBench(peer: PeerServer, joinConcurrency: number) {
  return await runBench({
    ...DEFAULT_OPTIONS,
    port: peer.port,
    serverPid: peer.pid,
    clients: 20,
    senders: 2,
    messages: 20,
    window: 8,
    joinConcurrency,
    settleSec: 0,
    durationLimitSec: 30,
  });
}

for (
  const [name, start, concurrency] of [["ngircd", startNgircd, 10], [
    "inspircd",
    startInspircd,
    100,
  ]] as const
) {
  Deno.test({
    name: `chat bench against ${name}: every message delivered in order, server sampled`,
    ignore: !hasProgram(name),
    async fn() {
      const peer = await start();
      try {
        const r = await tinyBench(peer, concurrency);
        assert.deepEqual(r.problems, []);
        assert.equal(r.join.joined, 20);
        assert.equal(r.send.delivered, 2 * 20 * 19);
        assert.equal(r.send.outOfOrder, 0);
        assert.ok(r.server?.rssJoinedKiB !== undefined && r.server.rssJoinedKiB > 0);
        assert.ok(r.server?.cpuSendSec !== undefined && r.server.cpuSendSec >= 0);
      } finally {
        await peer.stop();
      }
    },
  });
}
