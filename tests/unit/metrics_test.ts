/**
 * The metrics endpoints' rules without sockets: who may read /metrics on the web port, what
 * /healthz says, the exposition's escaping and value syntax, and the strict parser the e2e tests
 * trust refusing what the format forbids.
 */

import assert from "node:assert/strict";
import { isLoopback, opsResponse, type OpsSource } from "../../server/metrics/endpoints.ts";
import { renderExposition } from "../../server/metrics/exposition.ts";
import { refusalReason } from "../../server/metrics/counters.ts";
import { parsePrometheusText, sampleValue } from "../helpers/prometheus_text.ts";

const decoder = new TextDecoder();

function source(problem?: string): OpsSource {
  return {
    metricsText: () => "# HELP x_total X.\n# TYPE x_total counter\nx_total 1\n",
    healthProblem: () => problem,
  };
}

const request = (path: string, remote: string, forwarded = false, method = "GET") => ({
  method,
  path,
  remote,
  forwarded,
});

Deno.test("metrics: the web port serves /metrics to unproxied loopback peers only", () => {
  for (const remote of ["127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1"]) {
    assert.equal(opsResponse(request("/metrics", remote), source(), false)?.status, 200, remote);
  }
  for (const remote of ["203.0.113.9", "10.0.0.1", "::ffff:10.0.0.1", "2001:db8::1"]) {
    assert.equal(opsResponse(request("/metrics", remote), source(), false)?.status, 403, remote);
  }
  assert.equal(opsResponse(request("/metrics", "127.0.0.1", true), source(), false)?.status, 403);
  // the metrics port serves whoever reaches it
  assert.equal(opsResponse(request("/metrics", "203.0.113.9"), source(), true)?.status, 200);
  assert.equal(opsResponse(request("/", "127.0.0.1"), source(), false), undefined);
  assert.equal(opsResponse(request("/metrics", "::1", false, "POST"), source(), true)?.status, 405);
  assert.ok(isLoopback("::1") && !isLoopback("128.0.0.1"));
});

Deno.test("metrics: /healthz is public, 200 ok or 503 with the reason; HEAD has no body", () => {
  const ok = opsResponse(request("/healthz", "203.0.113.9", true), source(), false)!;
  assert.deepEqual([ok.status, decoder.decode(ok.body!)], [200, "ok\n"]);
  const bad = opsResponse(request("/healthz", "203.0.113.9"), source("database locked"), false)!;
  assert.deepEqual([bad.status, decoder.decode(bad.body!)], [503, "database locked\n"]);
  const head = opsResponse(request("/healthz", "::1", false, "HEAD"), source(), false)!;
  assert.equal(head.body, null);
  assert.equal(head.bodyLength, 3);
});

Deno.test("metrics: the exposition escapes help and label values and names special values", () => {
  const text = renderExposition([{
    name: "t_total",
    help: "a \\ b\nc",
    type: "counter",
    samples: [{ labels: { l: 'q"\\\n' }, value: 2 }, { labels: { l: "x" }, value: Infinity }],
  }, { name: "g", help: "G.", type: "gauge", samples: [{ value: NaN }] }]);
  assert.match(text, /^# HELP t_total a \\\\ b\\nc\n/);
  const parsed = parsePrometheusText(text);
  assert.equal(sampleValue(parsed, 't_total{l="q\\"\\\\\\n"}'), 2);
  assert.equal(sampleValue(parsed, 't_total{l="x"}'), Infinity);
  assert.ok(Number.isNaN(sampleValue(parsed, "g")));
});

Deno.test("metrics: the strict parser refuses what the format forbids", () => {
  const head = "# HELP a_total A.\n# TYPE a_total counter\n";
  for (
    const bad of [
      "a_total 1\n", // no HELP/TYPE
      `${head}a_total 1`, // no final newline
      `${head}a_total 1\na_total 2\n`, // a series twice
      `${head}a_total one\n`, // a bad value
      `${head}a_total{l=x} 1\n`, // an unquoted label
      `${head}\n`, // a blank line
      "# HELP b B.\n# TYPE b counter\nb 1\n", // a counter without _total
      `${head}a_total 1\n# HELP c C.\n# TYPE c gauge\nc 1\n${head}`, // a family twice
      "# HELP 1x X.\n# TYPE 1x gauge\n1x 1\n", // a bad name
    ]
  ) assert.throws(() => parsePrometheusText(bad), Error, JSON.stringify(bad));
});

Deno.test("metrics: refusals are labelled from a closed set", () => {
  assert.equal(refusalReason("Too many connections from your IP"), "per_ip_limit");
  assert.equal(refusalReason("Connecting too fast; try again later"), "throttle");
  assert.equal(refusalReason("D-lined: abuse"), "dline");
  assert.equal(refusalReason("Server shutting down"), "not_serving");
  assert.equal(refusalReason("Banned: spam"), "other");
});
