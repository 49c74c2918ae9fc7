/**
 * Runs the real `main.ts join` as a subprocess in pipe mode (stdin, stdout and stderr piped)
 * and follows its output line by line, for end-to-end client tests.
 *
 * @module
 */

import { DEADLINE_MS } from "../../scripts/support/irc_client.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** Lines of one output stream, with a deadline-bound wait for the next match. */
export class LineFollower {
  readonly lines: string[] = [];
  #cursor = 0;
  #waiters: (() => void)[] = [];
  #ended = false;
  readonly done: Promise<void>;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.done = this.#follow(stream);
  }

  async #follow(stream: ReadableStream<Uint8Array>): Promise<void> {
    let rest = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      rest += chunk;
      const parts = rest.split("\n");
      rest = parts.pop()!;
      this.lines.push(...parts);
      this.#wake();
    }
    if (rest) this.lines.push(rest);
    this.#ended = true;
    this.#wake();
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Waits for the next line (after the last match) matching `pattern`. */
  async waitFor(pattern: RegExp, timeoutMs = DEADLINE_MS * 2): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const line of this.lines.slice(this.#cursor)) {
        this.#cursor++;
        if (pattern.test(line)) return line;
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.#ended) {
        throw new Error(`no line matching ${pattern}:\n  ${this.lines.join("\n  ")}`);
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
  }
}

/** A running `chat join` in pipe mode. */
export class JoinProcess {
  readonly child: Deno.ChildProcess;
  readonly stdout: LineFollower;
  readonly stderr: LineFollower;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #stdinClosed = false;

  private constructor(child: Deno.ChildProcess) {
    this.child = child;
    this.stdout = new LineFollower(child.stdout);
    this.stderr = new LineFollower(child.stderr);
    this.#stdin = child.stdin.getWriter();
  }

  /** Starts `deno run main.ts join ...args` with NO_COLOR and the given environment. */
  static start(args: string[], env: Record<string, string> = {}): JoinProcess {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-net", "--allow-env", "--allow-read", MAIN, "join", ...args],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1", ...env },
    }).spawn();
    return new JoinProcess(child);
  }

  /** Writes text to the client's stdin. */
  async write(text: string): Promise<void> {
    await this.#stdin.write(new TextEncoder().encode(text));
  }

  /** Closes stdin (EOF). */
  async closeStdin(): Promise<void> {
    if (this.#stdinClosed) return;
    this.#stdinClosed = true;
    try {
      await this.#stdin.close();
    } catch { /* the process is gone */ }
  }

  /** Closes stdin and waits for exit (killing after the deadline); returns status and output. */
  async finish(
    timeoutMs = DEADLINE_MS * 3,
  ): Promise<{ code: number; stdout: string[]; stderr: string[] }> {
    await this.closeStdin();
    const timer = setTimeout(() => this.kill("SIGKILL"), timeoutMs);
    const [status] = await Promise.all([this.child.status, this.stdout.done, this.stderr.done]);
    clearTimeout(timer);
    return { code: status.code, stdout: this.stdout.lines, stderr: this.stderr.lines };
  }

  /** Sends a signal if the process still runs. */
  kill(signal: Deno.Signal = "SIGTERM"): void {
    try {
      this.child.kill(signal);
    } catch { /* already exited */ }
  }
}

/** Runs `main.ts join` to completion with `input` on stdin. */
export async function runJoin(
  args: string[],
  input = "",
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string[]; stderr: string[] }> {
  const p = JoinProcess.start(args, env);
  if (input !== "") await p.write(input);
  return await p.finish();
}
