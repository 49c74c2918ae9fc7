/**
 * Drives a terminal program inside a detached tmux session: type keys, read the screen, wait for
 * text to appear (with a deadline).
 *
 * @module
 */

import { DEADLINE_MS } from "../../scripts/support/irc_client.ts";

async function tmux(...args: string[]): Promise<string> {
  const out = await new Deno.Command("tmux", { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`tmux ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/** A program running in its own tmux session. */
export class TmuxSession {
  readonly name: string;

  private constructor(name: string) {
    this.name = name;
  }

  /** Starts `command` (a shell command line) in a new detached session of the given size. */
  static async start(
    command: string,
    { width = 120, height = 30, env = {} }: {
      width?: number;
      height?: number;
      env?: Record<string, string>;
    } = {},
  ): Promise<TmuxSession> {
    const name = `chat-test-${crypto.randomUUID().slice(0, 8)}`;
    const envArgs = Object.entries({ TERM: "tmux-256color", ...env }).flatMap(([k, v]) => [
      "-e",
      `${k}=${v}`,
    ]);
    await tmux(
      "new-session",
      "-d",
      "-s",
      name,
      "-x",
      String(width),
      "-y",
      String(height),
      ...envArgs,
      command,
    );
    return new TmuxSession(name);
  }

  /** Types text literally (no key names), without Enter. */
  async type(text: string): Promise<void> {
    await tmux("send-keys", "-t", this.name, "-l", text);
  }

  /** Presses keys by name (`Enter`, `C-c`, `Tab`, `Up`…). */
  async press(...keys: string[]): Promise<void> {
    await tmux("send-keys", "-t", this.name, ...keys);
  }

  /** The visible screen as text. */
  async screen(): Promise<string> {
    return await tmux("capture-pane", "-p", "-t", this.name);
  }

  /** Waits until the screen satisfies `test`; returns that screen or throws with the last one. */
  async waitFor(test: (screen: string) => boolean, timeoutMs = DEADLINE_MS * 2): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = await this.screen();
      if (test(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`screen never matched ${test}:\n${screen}`);
      await new Promise((r) => setTimeout(r, 50)); // a screen has no change event to wait on
    }
  }

  /** Ends the session and the program in it. */
  async kill(): Promise<void> {
    try {
      await tmux("kill-session", "-t", this.name);
    } catch { /* already gone */ }
  }
}
