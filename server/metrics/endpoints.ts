/**
 * `GET /metrics` and `GET /healthz`, on the web port and on `--metrics-port`. The health check is
 * public (it says only "ok" or what is wrong); the metrics reveal the server's load, so the web
 * port serves them only to a loopback peer whose request was not relayed by a proxy (no
 * `Forwarded`/`X-Forwarded-For`): behind a reverse proxy on the same host, the internet is
 * loopback too. Elsewhere `--metrics-port` serves them, bound to loopback unless told otherwise.
 *
 * @module
 */

import { plainResponse } from "../web_page.ts";
import type { PageResponse } from "../web_page.ts";
import { EXPOSITION_CONTENT_TYPE } from "./exposition.ts";

/** What the endpoints read from the server. */
export interface OpsSource {
  /** The text of one scrape (bounded work). */
  metricsText(): string;
  /** Why the server is not healthy, undefined while it is. */
  healthProblem(): string | undefined;
}

/** What the endpoints need of a request. */
export interface OpsRequest {
  method: string;
  path: string;
  /** The peer's address. */
  remote: string;
  /** The request carries `Forwarded` or `X-Forwarded-For` (a proxy relayed it). */
  forwarded: boolean;
}

const encoder = new TextEncoder();

/** Whether `address` is a loopback address (127.0.0.0/8, ::1, or v4-mapped 127.x). */
export function isLoopback(address: string): boolean {
  return address === "::1" || /^(::ffff:)?127\./i.test(address);
}

/**
 * The answer to `req` when it is for /metrics or /healthz, undefined otherwise. `trusted`: served
 * on the metrics port, where everyone who can connect may scrape.
 */
export function opsResponse(
  req: OpsRequest,
  source: OpsSource,
  trusted: boolean,
): PageResponse | undefined {
  if (req.path !== "/metrics" && req.path !== "/healthz") return undefined;
  if (req.method !== "GET" && req.method !== "HEAD") {
    return plainResponse(405, "Method not allowed", { allow: "GET, HEAD" });
  }
  const noStore = { "cache-control": "no-store" };
  const head = req.method === "HEAD";
  if (req.path === "/healthz") {
    const problem = source.healthProblem();
    const res = problem === undefined
      ? plainResponse(200, "ok", noStore)
      : plainResponse(503, problem, noStore);
    return head ? { ...res, body: null } : res;
  }
  if (!trusted && (req.forwarded || !isLoopback(req.remote))) {
    return plainResponse(403, "Metrics are served to loopback only (see --metrics-port)");
  }
  const body = encoder.encode(source.metricsText());
  return {
    status: 200,
    headers: { "content-type": EXPOSITION_CONTENT_TYPE, ...noStore },
    body: head ? null : body,
    bodyLength: body.length,
  };
}
