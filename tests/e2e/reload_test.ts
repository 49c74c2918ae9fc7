/**
 * Reloading the configuration of a running `chat serve` (the real main.ts): SIGHUP applies a new
 * MOTD and a new oper without dropping anyone and keeps a bad file out; REHASH does the same for
 * an oper (382, then a NOTICE naming what changed and what needs a restart, or FAIL for a bad
 * file) and is refused to others (481).
 */

import assert from "node:assert/strict";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { ChatProcess } from "../../scripts/support/process.ts";
import { HandshakeError, WsTestClient } from "../helpers/ws_client.ts";

async function configDir(): Promise<{ dir: string; file: string; write(...l: string[]): void }> {
  const dir = await Deno.makeTempDir({ prefix: "chat-reload-" });
  const file = `${dir}/chat.toml`;
  return { dir, file, write: (...lines) => Deno.writeTextFileSync(file, lines.join("\n")) };
}

Deno.test("SIGHUP: a new MOTD and oper apply without dropping anyone; a bad file is kept out", async () => {
  const { dir, file, write } = await configDir();
  Deno.writeTextFileSync(`${dir}/motd1.txt`, "first MOTD\n");
  Deno.writeTextFileSync(`${dir}/motd2.txt`, "second MOTD\n");
  write(`motd = "${dir}/motd1.txt"`, 'oper = ["alice:one"]');
  const { process: server, port } = await ChatProcess.serve(["--config", file]);
  const c = await TestClient.register(port, "carol");
  const d = await TestClient.register(port, "dave");
  try {
    assert.ok(c.lines.includes(":chat.local 372 carol :- first MOTD"));
    await c.send("OPER bob two");
    await c.expect("491"); // no such oper yet

    write(`motd = "${dir}/motd2.txt"`, 'oper = ["alice:one", "bob:two"]', 'name = "new.example"');
    server.kill("SIGHUP");
    await server.waitFor(/reload: configuration reloaded; changed: motd, oper$/);
    await server.waitFor(/reload: needs a restart to change: name$/);
    await c.send("MOTD");
    await c.expectLine((l) => l === ":chat.local 372 carol :- second MOTD");
    await c.send("OPER bob two");
    await c.expect("381");

    // a bad file: refused, logged with file:line and key; the last good configuration stays
    write(`motd = "${dir}/motd1.txt"`, 'oper = ["bob"]');
    server.kill("SIGHUP");
    const refused = await server.waitFor(/reload: configuration refused/);
    assert.ok(refused.includes(`${file}:2: oper: Expected NAME:PASSWORD`), refused);
    await d.send("OPER bob two");
    await d.expect("381");
    await d.send("MOTD");
    await d.expectLine((l) => l === ":chat.local 372 dave :- second MOTD");

    // nobody was dropped: both still talk to each other
    await c.send("PRIVMSG dave :still here");
    assert.deepEqual((await d.expect("PRIVMSG")).params, ["dave", "still here"]);
    assert.ok(!server.log.some((l) => /disconnected/.test(l)), server.log.join("\n"));
  } finally {
    await c.close();
    await d.close();
    server.kill("SIGTERM");
    assert.equal((await server.finish()).code, 0);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("REHASH: 481 for a non-oper; an oper gets 382 and what changed, or FAIL for a bad file", async () => {
  const { dir, file, write } = await configDir();
  write('oper = ["alice:one"]', "max-channels = 50");
  const { process: server, port } = await ChatProcess.serve(["--config", file]);
  const a = await TestClient.register(port, "alice");
  try {
    await a.send("REHASH");
    assert.equal((await a.expect("481")).params[0], "alice");

    await a.send("OPER alice one");
    await a.expect("381");
    write('oper = ["alice:one"]', "max-channels = 7", 'network = "Elsewhere"');
    await a.send("REHASH");
    assert.deepEqual((await a.expect("382")).params, ["alice", file, "Rehashing"]);
    const changed = await a.expect("NOTICE");
    assert.equal(changed.params[1], "REHASH: configuration reloaded; changed: max-channels");
    const restart = await a.expect("NOTICE");
    assert.equal(restart.params[1], "REHASH: needs a restart to change: network");
    const b = await TestClient.register(port, "bert");
    const isupport = b.lines.filter((l) => / 005 /.test(l)).join(" ");
    await b.close();
    assert.match(isupport, / CHANLIMIT=#:7 /);
    assert.match(isupport, / NETWORK=chat /, "the network needs a restart");

    write('oper = ["alice:one"]', "max-channels = 7", "prot = 1");
    await a.send("REHASH");
    await a.expect("382");
    const fail = await a.expect("FAIL");
    assert.deepEqual(fail.params.slice(0, 2), ["REHASH", "INVALID_CONFIG"]);
    assert.equal(fail.params[2], `${file}:3: prot: unknown key (not an option of chat serve)`);
    await server.waitFor(/reload: configuration refused, the old one stays: .*prot: unknown key/);
  } finally {
    await a.close();
    server.kill("SIGTERM");
    assert.equal((await server.finish()).code, 0);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SIGHUP: a new web origin may connect at once; the web port stays up", async () => {
  const { dir, file, write } = await configDir();
  write("web-origin = []");
  const { process: server } = await ChatProcess.serve(["--config", file, "--web-port", "0"]);
  const line = await server.waitFor(/serving the web page on http:\/\/\S+:(\d+)\//);
  const url = `ws://127.0.0.1:${/:(\d+)\/$/.exec(line)![1]}/`;
  const origin = { origin: "https://other.example" };
  try {
    await assert.rejects(WsTestClient.connect(url, ["text.ircv3.net"], origin), HandshakeError);
    write('web-origin = ["https://other.example"]');
    server.kill("SIGHUP");
    await server.waitFor(/reload: configuration reloaded; changed: web-origin$/);
    const ws = await WsTestClient.connect(url, ["text.ircv3.net"], origin);
    ws.socket.close();
  } finally {
    server.kill("SIGTERM");
    assert.equal((await server.finish()).code, 0);
    await Deno.remove(dir, { recursive: true });
  }
});
