/**
 * SIGHUP and REHASH: read the configuration again as at start (same arguments and variables,
 * the file as it is now), apply what can change live, and name what needs a restart. A bad
 * configuration changes nothing.
 *
 * @module
 */

import type { ServerConfig } from "../server/config.ts";
import type { RehashOutcome } from "../server/rehash_hook.ts";
import type { Logger } from "../server/log.ts";
import type { RunningServer } from "../server/server.ts";
import { errorMessage } from "../util/error_message.ts";
import type { Setting } from "./effective_config.ts";

/**
 * The keys a reload applies (server/live_config.ts does it); any other key that differs from the
 * configuration the server started with is named as needing a restart.
 */
export const LIVE_KEYS: ReadonlySet<string> = new Set([
  "motd",
  "oper",
  "password",
  "log-messages",
  "web-origin",
  "flood-control",
  "flood-burst",
  "flood-rate",
  "sendq",
  "recvq",
  "max-channels",
  "max-sessions",
  "max-targets",
  "registration-timeout",
  "ping-interval",
  "ping-timeout",
  "nick-grace",
  "history-replay",
  "history-max-age",
  "history-max-per-target",
  "always-on-expire",
]);

/** What a reload reads: the configuration and its settings, or a one-line reason. */
export type ConfigLoader = () => Promise<{ config: ServerConfig; settings: Map<string, Setting> }>;

const same = (a: Setting, b: Setting) => JSON.stringify(a) === JSON.stringify(b);

/** The keys whose values differ between two sets of settings, in `--help` order. */
export function changedKeys(from: Map<string, Setting>, to: Map<string, Setting>): string[] {
  return [...to.keys()].filter((key) => !same(from.get(key), to.get(key)));
}

/**
 * A reload for `server`: one at a time (a second waits for the first), logged, and answered
 * with lines for the oper who asked.
 */
export function createReloader(
  load: ConfigLoader,
  started: Map<string, Setting>,
  server: () => RunningServer,
  log: Logger,
): () => Promise<RehashOutcome> {
  let current = started;
  let queue: Promise<unknown> = Promise.resolve();
  const once = async (): Promise<RehashOutcome> => {
    let next: Awaited<ReturnType<ConfigLoader>>;
    try {
      next = await load();
    } catch (err) {
      const why = errorMessage(err);
      log.error(`reload: configuration refused, the old one stays: ${why}`);
      return { ok: false, lines: [why] };
    }
    const changed = changedKeys(current, next.settings).filter((key) => LIVE_KEYS.has(key));
    const restart = changedKeys(started, next.settings).filter((key) => !LIVE_KEYS.has(key));
    await server().reconfigure(next.config);
    current = next.settings;
    const lines = [
      `configuration reloaded; changed: ${changed.length ? changed.join(", ") : "nothing"}`,
    ];
    if (restart.length) lines.push(`needs a restart to change: ${restart.join(", ")}`);
    for (const line of lines) log.info(`reload: ${line}`);
    return { ok: true, lines };
  };
  return () => {
    const run = queue.then(once);
    queue = run.catch(() => {});
    return run;
  };
}
