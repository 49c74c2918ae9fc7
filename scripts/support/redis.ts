/**
 * A throwaway `redis-server` (Debian's package) on a free loopback port, with no persistence, in
 * its own temporary directory; it can be stopped and started again on the same port (outage
 * tests). Never the system service.
 *
 * @module
 */

import { freePort, hasProgram, waitForPort } from "./peers.ts";

/** True when `redis-server` is installed. */
export const HAVE_REDIS: boolean = hasProgram("redis-server");

/** A redis-server this test started. */
export class TestRedis {
  readonly port: number;
  readonly dir: string;
  #child: Deno.ChildProcess | undefined;

  private constructor(port: number, dir: string) {
    this.port = port;
    this.dir = dir;
  }

  /** Starts one on a free port. */
  static async start(): Promise<TestRedis> {
    const dir = await Deno.makeTempDir({ prefix: "chat-redis-" });
    const redis = new TestRedis(freePort(), dir);
    try {
      await redis.resume();
    } catch (err) {
      await redis.stop();
      throw err;
    }
    return redis;
  }

  /** `redis://127.0.0.1:<port>` */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** The server's pid while it runs (CPU sampling). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Starts the server (again) on the same port; it comes back empty (no persistence). */
  async resume(): Promise<void> {
    if (this.#child) return;
    this.#child = new Deno.Command("redis-server", {
      args: [
        "--port",
        String(this.port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        this.dir,
        "--loglevel",
        "warning",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    await waitForPort(this.port);
  }

  /** Kills the server (SIGKILL: an outage, not a shutdown); `resume` brings it back. */
  async pause(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
    await child.status;
  }

  /** Kills the server and removes its directory. */
  async stop(): Promise<void> {
    await this.pause();
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}
