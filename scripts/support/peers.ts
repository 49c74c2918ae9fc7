/**
 * Starts peer IRC servers nobody here wrote (Debian's ngIRCd and InspIRCd) on free loopback
 * ports, with configs written into a temporary directory, for interop tests and `deno task bench`.
 * Both run with their anti-flood limits off, so a load generator measures them, not their limits.
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
  /** The server process (for /proc sampling). */
  pid: number;
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
  return await spawnPeer("ngircd", ["-n", "-f", conf], port, dir);
}

/**
 * Starts InspIRCd 3 in the foreground: a `<connect>` class for 127.0.0.0/8 with per-IP limits,
 * penalties and queues raised far beyond any test's load, no DNS or ident lookups, and no modules
 * beyond the core ones. It refuses to run as root without `--runasroot`, and completes
 * registrations once a second by design.
 */
export async function startInspircd(): Promise<PeerServer> {
  const dir = await Deno.makeTempDir({ prefix: "inspircd-" });
  const port = freePort();
  const conf = `${dir}/inspircd.conf`;
  const big = 64 * 1024 * 1024;
  await Deno.writeTextFile(
    conf,
    [
      `<server name="inspircd.test" description="interop peer" network="peers">`,
      `<admin name="peers" nick="peers" email="peers@localhost">`,
      `<bind address="127.0.0.1" port="${port}" type="clients">`,
      `<connect name="local" allow="127.0.0.0/8" timeout="60" pingfreq="600" maxchans="200"`,
      `  localmax="1000000" globalmax="1000000" limit="1000000" threshold="1000000"`,
      `  commandrate="1000000000" fakelag="no" softsendq="${big}" hardsendq="${big}"`,
      `  recvq="${big}" resolvehostnames="no" useident="no">`,
      `<channels users="200" opers="200">`,
      `<limits maxnick="30" maxchan="64" maxtopic="390" maxquit="300" maxkick="300">`,
      `<performance softlimit="1000000" somaxconn="4096" netbuffersize="10240"`,
      `  clonesonconnect="no" quietbursts="yes">`,
      `<security hideserver="" userstats="Pu" maxtargets="20">`,
      `<options syntaxhints="no" announcets="yes">`,
      `<whowas groupsize="0" maxgroups="0" maxkeep="3600">`,
      `<dns server="127.0.0.1" timeout="1">`,
      `<pid file="${dir}/inspircd.pid">`,
      `<log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="${dir}/ircd.log">`,
      "",
    ].join("\n"),
  );
  return await spawnPeer("inspircd", ["--config", conf, "--nofork", "--runasroot"], port, dir);
}

/** Asks a server process to stop (SIGTERM), kills it after 5 s, and waits until it is gone. */
export async function stopProcess(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGTERM");
  } catch { /* exited */ }
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
  }, 5000);
  await child.status;
  clearTimeout(timer);
}

/** Spawns a peer in the foreground, waits for its port; kills it and cleans up on failure. */
async function spawnPeer(
  program: string,
  args: string[],
  port: number,
  dir: string,
): Promise<PeerServer> {
  const child = new Deno.Command(program, {
    args,
    stdout: "null",
    stderr: "null",
    stdin: "null",
  }).spawn();
  let exited = false;
  child.status.then(() => exited = true);
  const stop = async () => {
    await stopProcess(child);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    await waitForPort(port);
    if (exited) throw new Error(`${program} exited during start-up`);
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, pid: child.pid, stop };
}
