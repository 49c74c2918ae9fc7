/**
 * Runs the real `main.ts` as a subprocess and follows its stderr line by line, for end-to-end
 * tests and the dev scripts that measure a running server.
 *
 * @module
 */

import { DEADLINE_MS } from "./irc_client.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** A running `chat` subprocess. */
export class ChatProcess {
  readonly child: Deno.ChildProcess;
  /** stderr lines so far. */
  readonly log: string[] = [];
  #cursor = 0;
  #waiters: (() => void)[] = [];
  #stderrDone: Promise<void>;

  private constructor(child: Deno.ChildProcess) {
    this.child = child;
    this.#stderrDone = this.#follow();
  }

  /**
   * Starts `deno run main.ts ...args`; with `fdLimit`, under that limit of open files (`ulimit
   * -n`, through sh: the process is still deno itself).
   */
  static start(
    args: string[],
    env: Record<string, string> = {},
    fdLimit?: number,
  ): ChatProcess {
    const denoArgs = [
      "run",
      "--allow-net",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      MAIN,
      ...args,
    ];
    const [command, rest] = fdLimit === undefined
      ? [Deno.execPath(), denoArgs]
      : ["sh", ["-c", `ulimit -n ${fdLimit} && exec "$@"`, "sh", Deno.execPath(), ...denoArgs]];
    const child = new Deno.Command(command, {
      args: rest,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      // a throwaway database unless the test names one
      env: { NO_COLOR: "1", CHAT_DB: ":memory:", ...env },
    }).spawn();
    return new ChatProcess(child);
  }

  /** Starts `chat serve` on a free port and waits until it listens; returns the port too. */
  static async serve(args: string[] = [], env: Record<string, string> = {}) {
    const p = ChatProcess.start(["serve", "--port", "0", ...args], env);
    const line = await p.waitFor(/listening on \S+:(\d+)/);
    return { process: p, port: Number(/listening on \S+:(\d+)/.exec(line)![1]) };
  }

  async #follow(): Promise<void> {
    const lines = this.child.stderr.pipeThrough(new TextDecoderStream());
    let rest = "";
    for await (const chunk of lines) {
      rest += chunk;
      const parts = rest.split("\n");
      rest = parts.pop()!;
      this.log.push(...parts);
      this.#wake();
    }
    if (rest) this.log.push(rest);
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  /** Waits for the next stderr line matching `pattern`. */
  async waitFor(pattern: RegExp, timeoutMs = DEADLINE_MS * 2): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let ended = false;
    this.#stderrDone.then(() => ended = true);
    for (;;) {
      for (const line of this.log.slice(this.#cursor)) {
        this.#cursor++;
        if (pattern.test(line)) return line;
      }
      const left = deadline - Date.now();
      if (left <= 0 || ended) {
        throw new Error(`no stderr line matching ${pattern}:\n  ${this.log.join("\n  ")}`);
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        timer = setTimeout(resolve, Math.min(left, 200));
      });
      clearTimeout(timer);
    }
  }

  /** Waits for exit (killing after the deadline) and returns the status and all output. */
  async finish(
    timeoutMs = DEADLINE_MS * 2,
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    const timer = setTimeout(() => this.kill("SIGKILL"), timeoutMs);
    const [status, out] = await Promise.all([
      this.child.status,
      new Response(this.child.stdout).text(),
      this.#stderrDone,
    ]);
    clearTimeout(timer);
    return { code: status.code, stdout: out, stderr: this.log.join("\n") };
  }

  /** Sends a signal if the process still runs. */
  kill(signal: Deno.Signal = "SIGTERM"): void {
    try {
      this.child.kill(signal);
    } catch { /* already exited */ }
  }
}
