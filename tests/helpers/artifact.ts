/**
 * Runs a built artifact of chat (the bundle under `deno run --no-config`, or a compiled binary)
 * and proves it works end to end: `--version`, and `serve` on an ephemeral loopback port with two
 * IRC clients exchanging a message, then SIGTERM and exit 0.
 *
 * @module
 */

import assert from "node:assert/strict";
import { VERSION } from "../../version.ts";
import { DEADLINE_MS, TestClient } from "../../scripts/support/irc_client.ts";

/** How to start the artifact: the program and the arguments before chat's own. */
export interface Artifact {
  command: string;
  prefix: string[];
  /** Working directory (a temporary one, away from the repository). */
  cwd: string;
  env?: Record<string, string>;
}

function spawn(artifact: Artifact, args: string[]): Deno.ChildProcess {
  return new Deno.Command(artifact.command, {
    args: [...artifact.prefix, ...args],
    cwd: artifact.cwd,
    // a throwaway database: tests never touch the user's data directory
    env: { NO_COLOR: "1", CHAT_DB: ":memory:", ...artifact.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Runs the artifact to completion (killed after the deadline). */
export async function runArtifact(
  artifact: Artifact,
  args: string[],
  timeoutMs = DEADLINE_MS * 4,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(artifact, args);
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
  }, timeoutMs);
  try {
    const { code, stdout, stderr } = await child.output();
    const decode = (b: Uint8Array) => new TextDecoder().decode(b);
    return { code, stdout: decode(stdout), stderr: decode(stderr) };
  } finally {
    clearTimeout(timer);
  }
}

/** Asserts `--version` prints `chat <deno.json version> (deno x.y.z, <target>)`. */
export async function assertVersion(artifact: Artifact): Promise<string> {
  const { code, stdout, stderr } = await runArtifact(artifact, ["--version"]);
  assert.equal(code, 0, stderr);
  const escaped = VERSION.replaceAll(".", "\\.");
  assert.match(stdout, new RegExp(`^chat ${escaped} \\(deno \\d+\\.\\d+\\.\\d+, [\\w-]+\\)\\n$`));
  return stdout.trim();
}

/**
 * Starts `serve --port 0`, has two clients register, join #lobby and exchange a message, then
 * stops the server with SIGTERM and asserts it exits 0. Everything is cleaned up on failure too.
 */
export async function assertServesChat(artifact: Artifact): Promise<void> {
  const child = spawn(artifact, ["serve", "--port", "0", "--name", "artifact.test"]);
  const log: string[] = [];
  const clients: TestClient[] = [];
  let stderrDone: Promise<void> = Promise.resolve();
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no "listening on" within the deadline:\n${log.join("\n")}`)),
        DEADLINE_MS * 4,
      );
      stderrDone = (async () => {
        let rest = "";
        for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
          rest += chunk;
          const lines = rest.split("\n");
          rest = lines.pop()!;
          for (const line of lines) {
            log.push(line);
            const m = /listening on \S+:(\d+)/.exec(line);
            if (m) {
              clearTimeout(timer);
              resolve(Number(m[1]));
            }
          }
        }
        clearTimeout(timer);
        reject(new Error(`the server exited before listening:\n${log.join("\n")}${rest}`));
      })();
    });
    const alice = await TestClient.register(port, "alice");
    clients.push(alice);
    const bob = await TestClient.register(port, "bob");
    clients.push(bob);
    assert.ok(alice.lines[0]!.startsWith(":artifact.test 001 alice "), alice.lines[0]);
    await alice.send("JOIN #lobby");
    await alice.expect("366");
    await bob.send("JOIN #lobby");
    await bob.expect("366");
    await alice.send("PRIVMSG #lobby :hello from the artifact");
    const got = await bob.expect("PRIVMSG");
    assert.deepEqual(got.params, ["#lobby", "hello from the artifact"]);
    assert.match(got.source ?? "", /^alice!/);

    child.kill("SIGTERM");
    assert.match((await alice.expect("ERROR")).params[0]!, /shutting down/i);
    await alice.closed();
    await bob.closed();
    const status = await child.status;
    assert.equal(status.code, 0, log.join("\n"));
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
    for (const c of clients) await c.close();
    await child.stdout.cancel().catch(() => {});
    await child.status;
    await stderrDone.catch(() => {});
  }
}
