/**
 * `chat join --tls` against `chat serve` with TLS: a trusted certificate (via --ca-file) works,
 * an untrusted one is refused unless --insecure (which warns); `--sasl` logs in to an account.
 */
import assert from "node:assert/strict";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { runJoin } from "../helpers/join_process.ts";
import { ChatProcess } from "../../scripts/support/process.ts";
import { makeCertificates, opensslMissingReason } from "../helpers/tls_certs.ts";

const missing = await opensslMissingReason();
const TLS_LINE = /listening for TLS on \S+:(\d+)/;

Deno.test({
  name: "join --tls verifies the certificate; --insecure accepts a self-made one and warns" +
    missing,
  ignore: missing !== "",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "chat-join-tls-" });
    const certs = await makeCertificates("trusted", dir);
    const server = ChatProcess.start([
      "serve",
      "--port",
      "0",
      "--tls-port",
      "0",
      "--tls-cert",
      certs.certFile,
      "--tls-key",
      certs.keyFile,
    ]);
    let observer: TestClient | undefined;
    try {
      const plainPort = Number(
        /listening on \S+:(\d+)/.exec(await server.waitFor(/listening on/))![1],
      );
      const tlsPort = Number(TLS_LINE.exec(await server.waitFor(TLS_LINE))![1]);
      observer = await TestClient.register(plainPort, "observer");
      await observer.send("JOIN #tls");
      await observer.expect("366");
      const target = `127.0.0.1:${tlsPort}`;

      const ok = await runJoin(
        [target, "--tls", "--ca-file", certs.caFile, "--nick", "secure", "--channel", "#tls"],
        "over tls\n",
      );
      assert.equal(ok.code, 0, ok.stderr.join("\n"));
      const m = await observer.expect("PRIVMSG");
      assert.equal(m.source?.split("!")[0], "secure");
      assert.equal(m.params[1], "over tls");

      const refused = await runJoin(
        [target, "--tls", "--nick", "doubter", "--channel", "#tls"],
        "x\n",
      );
      assert.notEqual(refused.code, 0);
      assert.equal(refused.stderr.length, 1, refused.stderr.join("\n"));
      assert.match(refused.stderr[0]!, /^error: cannot connect to .*certificate is not trusted/);

      const insecure = await runJoin(
        [target, "--tls", "--insecure", "--nick", "yolo", "--channel", "#tls"],
        "trust me\n",
      );
      assert.equal(insecure.code, 0, insecure.stderr.join("\n"));
      assert.ok(insecure.stderr.some((l) => l.includes("warning: --insecure")));
      assert.equal((await observer.expect("PRIVMSG")).params[1], "trust me");

      const wrong = await runJoin([target, "--insecure", "--nick", "x"], "");
      assert.notEqual(wrong.code, 0);
      assert.match(wrong.stderr.join("\n"), /--insecure and --ca-file need --tls/);
    } finally {
      await observer?.close();
      server.kill("SIGTERM");
      await server.finish();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("join --sasl logs in to an account; a wrong password is a one-line failure", async () => {
  const { process: server, port } = await ChatProcess.serve();
  // the account's owner registers it and leaves (a connection logging in while its user is
  // here would attach to it instead: tests/integration/sessions_test.ts)
  const owner = await TestClient.register(port, "owner");
  await owner.send("NS REGISTER longpassword");
  await owner.expectLine((l) => l.includes("you are logged in"));
  await owner.send("QUIT");
  await owner.closed();
  const watcher = await TestClient.register(port, "watcher", ["account-tag"]);
  try {
    await watcher.send("JOIN #acct");
    await watcher.expect("366");

    const ok = await runJoin(
      [
        `127.0.0.1:${port}`,
        "--sasl",
        "owner:longpassword",
        "--nick",
        "owner",
        "--channel",
        "#acct",
      ],
      "logged in\n",
    );
    assert.equal(ok.code, 0, ok.stderr.join("\n"));
    const m = await watcher.expect("PRIVMSG");
    assert.equal(m.source?.split("!")[0], "owner");
    assert.equal(m.tags?.account, "owner", "the message comes from the logged-in account");

    const bad = await runJoin(
      [`127.0.0.1:${port}`, "--sasl", "owner:wrong", "--nick", "owner", "--channel", "#acct"],
      "never\n",
    );
    assert.notEqual(bad.code, 0);
    assert.ok(bad.stderr.some((l) => /SASL login failed/.test(l)), bad.stderr.join("\n"));
  } finally {
    await watcher.close();
    server.kill("SIGTERM");
    await server.finish();
  }
});
