import assert from "node:assert/strict";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { ChatProcess } from "../../scripts/support/process.ts";
import { proxyV1 } from "../helpers/proxy_headers.ts";

Deno.test("main.ts serve --proxy-from: a PROXY header's client is the one WHOIS shows and the log names", async () => {
  const { process: server, port } = await ChatProcess.serve(
    ["--proxy-from", "127.0.0.1", "--max-connections-per-ip", "1"],
  );
  const proxied = await TestClient.connect(port);
  const twin = await TestClient.connect(port);
  try {
    await proxied.send(proxyV1("203.0.113.7", 51000).trimEnd());
    await proxied.registerAs("behind");
    await server.waitFor(/info\s+203\.0\.113\.7:51000 connected/);
    await proxied.send("WHOIS behind");
    assert.equal((await proxied.expect("311")).params[3], "203.0.113.7");
    // loopback is exempt by default, the proxy's client is not
    await twin.send(proxyV1("203.0.113.7", 51001).trimEnd());
    assert.equal(
      (await twin.expect("ERROR")).params[0],
      "Closing Link: 203.0.113.7 (Too many connections from your IP)",
    );
    server.kill("SIGTERM");
    await proxied.closed();
    assert.equal((await server.finish()).code, 0);
  } finally {
    server.kill("SIGKILL");
    await proxied.close();
    await twin.close();
  }
});

Deno.test("main.ts serve: bad --proxy-from and --webirc values exit non-zero with one line", async () => {
  const cases: [string[], RegExp][] = [
    [["serve", "--proxy-from", "10.0.0.0/33"], /is not an address range/],
    [["serve", "--webirc", "kiwi:pw"], /Expected NAME:PASSWORD@CIDR/],
    [["serve", "--webirc", "kiwi:pw@example.org"], /is not an address range/],
  ];
  for (const [args, pattern] of cases) {
    const { code, stderr } = await ChatProcess.start(args).finish();
    assert.notEqual(code, 0, args.join(" "));
    const lines = stderr.trim().split("\n");
    assert.equal(lines.length, 1, `${args.join(" ")}: ${stderr}`);
    assert.match(lines[0]!, pattern);
  }
});
