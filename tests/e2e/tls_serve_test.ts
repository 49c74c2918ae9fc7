/**
 * `chat serve` with TLS, as a real process: SIGHUP reloads the certificate files without
 * dropping anyone, `--no-plain` leaves only the TLS port, and bad TLS options are one-line
 * errors. Certificates come from openssl at run time.
 */

import assert from "node:assert/strict";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { ChatProcess } from "../../scripts/support/process.ts";
import { HAS_PROC, openFds } from "../helpers/proc_stats.ts";
import { silentConnections } from "../helpers/silent_connections.ts";
import { waitUntil } from "../helpers/wait.ts";
import { makeCertificates, opensslMissingReason } from "../helpers/tls_certs.ts";

const missing = await opensslMissingReason();
const TLS_LINE = /listening for TLS on \S+:(\d+)/;

Deno.test({
  name: "serve --tls-cert: SIGHUP reloads the certificate; connections made before carry on" +
    missing,
  ignore: missing !== "" || Deno.build.os === "windows",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "chat-tls-e2e-" });
    const first = await makeCertificates("first", dir);
    const second = await makeCertificates("second", dir);
    const cert = `${dir}/live.pem`, key = `${dir}/live.key`;
    await Deno.copyFile(first.certFile, cert);
    await Deno.copyFile(first.keyFile, key);
    const server = ChatProcess.start(
      ["serve", "--port", "0", "--tls-port", "0", "--tls-cert", cert, "--tls-key", key],
    );
    const clients: TestClient[] = [];
    try {
      const port = Number(TLS_LINE.exec(await server.waitFor(TLS_LINE))![1]);
      const early = await TestClient.connectTls(port, [first.caPem]);
      clients.push(early);
      await early.registerAs("early");
      await early.send("JOIN #renewal");
      await early.expect("366");

      await Deno.copyFile(second.certFile, cert);
      await Deno.copyFile(second.keyFile, key);
      server.kill("SIGHUP");
      await server.waitFor(/TLS port: certificate reloaded/);

      const late = await TestClient.connectTls(port, [second.caPem]);
      clients.push(late);
      await late.registerAs("late");
      await late.send("JOIN #renewal");
      await late.expect("366");
      await late.send("PRIVMSG #renewal :new certificate here");
      assert.deepEqual((await early.expect("PRIVMSG")).params, [
        "#renewal",
        "new certificate here",
      ]);
      await early.send("PRIVMSG #renewal :old connection still here");
      assert.deepEqual((await late.expect("PRIVMSG")).params, [
        "#renewal",
        "old connection still here",
      ]);
      await assert.rejects(
        Deno.connectTls({ hostname: "127.0.0.1", port, caCerts: [first.caPem] })
          .then(async (c) => {
            try {
              await c.handshake();
            } finally {
              c.close();
            }
          }),
        "the old certificate is no longer served",
      );

      // A broken renewal is logged and changes nothing.
      await Deno.writeTextFile(cert, "-----BEGIN CERTIFICATE-----\ngarbage\n");
      server.kill("SIGHUP");
      await server.waitFor(/TLS port: certificate reload failed, still using the old one/);
      const third = await TestClient.connectTls(port, [second.caPem]);
      clients.push(third);
      await third.registerAs("third");
      await early.send("PING still-alive");
      await early.expect("PONG");

      server.kill("SIGTERM");
      const { code } = await server.finish();
      assert.equal(code, 0);
    } finally {
      server.kill("SIGKILL");
      for (const c of clients) await c.close();
      await server.finish().catch(() => {});
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "serve --no-plain: only the TLS port listens" + missing,
  ignore: missing !== "",
  async fn() {
    const certs = await makeCertificates();
    // A port that is free now: with --no-plain nothing may listen on it.
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const plainPort = (probe.addr as Deno.NetAddr).port;
    probe.close();
    const server = ChatProcess.start([
      "serve",
      "--no-plain",
      "--port",
      String(plainPort),
      "--tls-port",
      "0",
      "--tls-cert",
      certs.certFile,
      "--tls-key",
      certs.keyFile,
    ]);
    const clients: TestClient[] = [];
    try {
      const port = Number(TLS_LINE.exec(await server.waitFor(TLS_LINE))![1]);
      const c = await TestClient.connectTls(port, [certs.caPem]);
      clients.push(c);
      await c.registerAs("only");
      await assert.rejects(
        Deno.connect({ hostname: "127.0.0.1", port: plainPort }),
        Deno.errors.ConnectionRefused,
      );
      assert.ok(!server.log.some((l) => /listening on \S+:\d+/.test(l)), server.log.join("\n"));
    } finally {
      server.kill("SIGTERM");
      for (const c of clients) await c.close();
      assert.equal((await server.finish()).code, 0);
      await Deno.remove(certs.dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "serve: bad TLS options are one-line errors with a non-zero exit" + missing,
  ignore: missing !== "",
  async fn() {
    const certs = await makeCertificates();
    const other = await makeCertificates("other", certs.dir);
    try {
      const cases: [string[], RegExp][] = [
        [
          ["--tls-cert", `${certs.dir}/missing.pem`, "--tls-key", certs.keyFile],
          /^error: cannot read TLS certificate .*missing\.pem: /,
        ],
        [
          ["--tls-cert", certs.certFile, "--tls-key", `${certs.dir}/missing.key`],
          /^error: cannot read TLS key .*missing\.key: /,
        ],
        [
          ["--tls-cert", certs.certFile, "--tls-key", other.keyFile],
          /^error: cannot use TLS certificate .* with key .*: /,
        ],
        [["--tls-cert", certs.certFile], /^error: --tls-cert and --tls-key go together/],
        [["--no-plain"], /^error: --no-plain needs --tls-cert and --tls-key/],
        [["--web-origin", "example.org"], /is not an origin like https:\/\/chat\.example\.org/],
      ];
      for (const [args, pattern] of cases) {
        const { code, stderr } = await ChatProcess.start(
          ["serve", "--port", "0", "--tls-port", "0", ...args],
        ).finish();
        assert.notEqual(code, 0, args.join(" "));
        const lines = stderr.trim().split("\n");
        assert.equal(lines.length, 1, `${args.join(" ")}: ${stderr}`);
        assert.match(lines[0]!, pattern);
      }
    } finally {
      await Deno.remove(certs.dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "serve: 200 stalled TLS handshakes from one IP are closed and hold no descriptors" +
    missing,
  ignore: missing !== "" || !HAS_PROC,
  async fn() {
    const certs = await makeCertificates();
    const server = ChatProcess.start([
      "serve",
      "--port=0",
      "--tls-port=0",
      `--tls-cert=${certs.certFile}`,
      `--tls-key=${certs.keyFile}`,
      "--exempt=none", // 127.0.0.1 is limited like anyone: 16 at a time
      "--connection-throttle=0",
      "--tls-handshake-timeout=1",
    ]);
    const clients: TestClient[] = [];
    try {
      const port = Number(TLS_LINE.exec(await server.waitFor(TLS_LINE))![1]);
      const pid = server.child.pid;
      // a first client, so that everything the process opens lazily (signal handling, caches)
      // is open before counting
      const warmup = await TestClient.connectTls(port, [certs.caPem]);
      await warmup.registerAs("warmup");
      await warmup.send("QUIT");
      await warmup.closed();
      await server.waitFor(/disconnected \(warmup\)/);
      const before = openFds(pid);
      const closedAfter = await silentConnections(port, 200, 8000);
      assert.ok(
        closedAfter.every(Number.isFinite),
        "the server closed all 200 within the deadline",
      );
      await waitUntil(() => openFds(pid) <= before, `back to ${before} descriptors`, 5000);
      const fine = await TestClient.connectTls(port, [certs.caPem]);
      clients.push(fine);
      await fine.registerAs("afterwards");
    } finally {
      for (const c of clients) await c.close();
      server.kill();
      await server.finish();
      await Deno.remove(certs.dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "serve: with few file descriptors, stalled TLS handshakes do not stop the server " +
    "accepting" + missing,
  ignore: missing !== "" || Deno.build.os === "windows",
  async fn() {
    const certs = await makeCertificates();
    // 64 descriptors: about 40 left for connections; 150 from loopback (no per-IP limit)
    const server = ChatProcess.start(
      [
        "serve",
        "--port=0",
        "--tls-port=0",
        `--tls-cert=${certs.certFile}`,
        `--tls-key=${certs.keyFile}`,
        "--tls-handshake-timeout=1",
      ],
      {},
      64,
    );
    const clients: TestClient[] = [];
    try {
      const port = Number(TLS_LINE.exec(await server.waitFor(TLS_LINE))![1]);
      const closedAfter = await silentConnections(port, 150, 10_000);
      assert.ok(closedAfter.every(Number.isFinite), "the server accepted and closed all 150");
      await server.waitFor(/TLS accept failed: Too many open files/);
      const fine = await TestClient.connectTls(port, [certs.caPem]);
      clients.push(fine);
      await fine.registerAs("afterwards");
    } finally {
      for (const c of clients) await c.close();
      server.kill();
      await server.finish();
      await Deno.remove(certs.dir, { recursive: true });
    }
  },
});
