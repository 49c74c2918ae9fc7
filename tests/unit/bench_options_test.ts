import assert from "node:assert/strict";
import {
  type BenchOptions,
  DEFAULT_OPTIONS,
  describeLoad,
  isLoopbackHost,
  validateOptions,
} from "../../bench/options.ts";
import {
  generatorProcs,
  quick,
  SCENARIOS,
  selectScenarios,
  selectServers,
} from "../../scripts/side_by_side/scenarios.ts";

const opts = (o: Partial<BenchOptions>): BenchOptions => ({ ...DEFAULT_OPTIONS, ...o });

Deno.test("bench options: the defaults are valid", () => {
  assert.deepEqual(validateOptions(DEFAULT_OPTIONS), []);
});

Deno.test("bench options: only loopback targets, unless --allow-remote", () => {
  for (const h of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"]) {
    assert.ok(isLoopbackHost(h), h);
  }
  for (const h of ["10.0.0.1", "example.org", "0.0.0.0", "127.0.0.256", "::"]) {
    assert.ok(!isLoopbackHost(h), h);
  }
  assert.match(
    validateOptions(opts({ host: "192.0.2.7" })).join(),
    /not a loopback.*--allow-remote/,
  );
  assert.deepEqual(validateOptions(opts({ host: "192.0.2.7", allowRemote: true })), []);
});

Deno.test("bench options: every bad value is reported, in one go", () => {
  const errors = validateOptions(opts({
    clients: 0,
    payload: 10,
    rate: -1,
    procs: 0,
    durationLimitSec: 0,
  }));
  for (const name of ["clients", "payload", "rate", "procs", "duration-limit"]) {
    assert.ok(errors.some((e) => e.startsWith(`--${name} `)), `--${name} in ${errors.join("; ")}`);
  }
  assert.match(validateOptions(opts({ clients: 5, senders: 6 })).join(), /--senders/);
  assert.match(validateOptions(opts({ senders: 0 })).join(), /needs at least one sender/);
  assert.match(validateOptions(opts({ clients: 2, procs: 3 })).join(), /--procs cannot exceed/);
});

Deno.test("bench options: a load reads as one line", () => {
  assert.equal(
    describeLoad(opts({ clients: 500, senders: 5, messages: 200, rate: 20 })),
    "500 clients in 1 channel, 5 senders × 200 messages at 20 msg/s, 64 B",
  );
  assert.equal(describeLoad(opts({ messages: 0, senders: 0 })), "200 clients in 1 channel, idle");
});

Deno.test("bench scenarios: A–E as in issue 6, quick forms valid, selection by id", () => {
  assert.deepEqual(SCENARIOS.map((s) => s.id), ["A", "B", "C", "D", "E"]);
  assert.equal(SCENARIOS[4]!.load.clients, 10_000);
  for (const s of SCENARIOS) {
    for (const sc of [s, quick(s)]) {
      const procs = generatorProcs(sc);
      assert.deepEqual(validateOptions(opts({ ...sc.load, procs })), [], `${sc.id} ${sc.title}`);
    }
  }
  // one generator process for the join storm only (see generatorProcs)
  assert.deepEqual(SCENARIOS.map(generatorProcs), [2, 2, 2, 2, 1]);
  assert.deepEqual(selectScenarios("d, b").map((s) => s.id), ["B", "D"]);
  assert.throws(() => selectScenarios("F"), /unknown scenario F/);
  assert.deepEqual(selectServers("inspircd,chat"), ["chat", "inspircd"]);
  assert.throws(() => selectServers("ergo"), /unknown server ergo/);
});
