/**
 * Starts peer IRC servers nobody here wrote (Debian's ngIRCd) on free loopback ports, with
 * configs written into a temporary directory, for interop tests.
 *
 * @module
 */

import { DEADLINE_MS } from "./irc_client.ts";

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Resolves once something accepts connections on the port, or throws at the deadline. */
export async function waitForPort(port: number, timeoutMs = DEADLINE_MS * 2): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`nothing listens on ${port}: ${err}`);
      await new Promise((r) => setTimeout(r, 50)); // polling a port has no event to wait on
    }
  }
}

/** A running peer server. */
export interface PeerServer {
  port: number;
  stop(): Promise<void>;
}

/** True when a program is on PATH (or at an absolute path). */
export function hasProgram(name: string): boolean {
  const dirs = name.includes("/") ? [""] : (Deno.env.get("PATH") ?? "").split(":");
  return dirs.some((d) => {
    try {
      return Deno.statSync(d ? `${d}/${name}` : name).isFile;
    } catch {
      return false;
    }
  });
}

/** Starts ngIRCd in the foreground with anti-flood penalties off. */
export async function startNgircd(): Promise<PeerServer> {
  const dir = await Deno.makeTempDir({ prefix: "ngircd-" });
  const port = freePort();
  const conf = `${dir}/ngircd.conf`;
  await Deno.writeTextFile(
    conf,
    [
      "[Global]",
      "Name = ngircd.test",
      "Info = interop peer",
      "Listen = 127.0.0.1",
      `Ports = ${port}`,
      "MotdPhrase = ngIRCd interop peer",
      "[Limits]",
      "MaxConnectionsIP = 0",
      "MaxJoins = 0",
      "MaxNickLength = 30",
      "MaxPenaltyTime = 0",
      "[Options]",
      "DNS = no",
      "Ident = no",
      "PAM = no",
      "",
    ].join("\n"),
  );
  const child = new Deno.Command("ngircd", {
    args: ["-n", "-f", conf],
    stdout: "null",
    stderr: "null",
    stdin: "null",
  }).spawn();
  try {
    await waitForPort(port);
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
  return {
    port,
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch { /* exited */ }
      await child.status;
      await Deno.remove(dir, { recursive: true });
    },
  };
}
