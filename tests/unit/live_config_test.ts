/**
 * What a reload changes in a running server (server/live_config.ts) and what it names as needing
 * a restart (cli/rehash.ts), without sockets.
 */

import assert from "node:assert/strict";
import { DEFAULT_LIMITS, defaultConfig } from "../../server/config.ts";
import { createServerInfo } from "../../server/server_info.ts";
import { applyLiveConfig } from "../../server/live_config.ts";
import { createLogger } from "../../server/log.ts";
import { changedKeys, LIVE_KEYS } from "../../cli/rehash.ts";
import { fileOptions } from "../../cli/config_file.ts";
import { serveCommand } from "../../cli/serve.ts";

Deno.test("applyLiveConfig: live settings change in place; the others keep their start value", async () => {
  const info = await createServerInfo(
    defaultConfig({ network: "Start", opers: [{ name: "alice", password: "one" }] }),
    createLogger("error"),
  );
  const limits = info.limits;
  await applyLiveConfig(
    info,
    defaultConfig({
      network: "Other",
      motd: ["new"],
      password: "pass",
      opers: [{ name: "bob", password: "two" }],
      floodControl: false,
      limits: { ...DEFAULT_LIMITS, maxChannels: 7, maxConnectionsPerIp: 1, floodBurst: 3 },
      history: { ...defaultConfig().history, replayLines: 5 },
    }),
  );
  assert.equal(info.limits, limits, "sessions hold the same limits object");
  assert.equal(info.limits.maxChannels, 7);
  assert.equal(info.limits.floodBurst, 3);
  assert.equal(info.limits.maxConnectionsPerIp, 16, "admission keeps its start value");
  assert.equal(info.network, "Start");
  assert.ok(info.isupport.includes("CHANLIMIT=#:7"), info.isupport.join(" "));
  assert.ok(info.isupport.includes("NETWORK=Start"));
  assert.deepEqual([...info.opers.keys()], ["bob"]);
  assert.ok(info.password !== undefined);
  assert.deepEqual(info.motd, ["new"]);
  assert.equal(info.floodControl, false);
  assert.equal(info.history.replayLines, 5);
});

Deno.test("LIVE_KEYS are keys of the config file; changedKeys compares values", () => {
  const keys = new Set(fileOptions(serveCommand()).keys());
  assert.deepEqual([...LIVE_KEYS].filter((k) => !keys.has(k)), []);
  const a = new Map<string, string | number | string[]>([["port", 1], ["oper", ["a:b"]]]);
  const b = new Map<string, string | number | string[]>([["port", 1], ["oper", ["a:c"]]]);
  assert.deepEqual(changedKeys(a, b), ["oper"]);
  assert.deepEqual(changedKeys(a, a), []);
});
