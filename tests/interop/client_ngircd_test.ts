/**
 * `chat join` in pipe mode against ngIRCd (Debian's package, a server nobody here wrote),
 * started on a free loopback port with a config written into a temporary directory: channel
 * and private messages both ways, nick collision, QUIT at EOF.
 */
import assert from "node:assert/strict";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { JoinProcess } from "../helpers/join_process.ts";
import { hasProgram, type PeerServer, startNgircd } from "../../scripts/support/peers.ts";

Deno.test({
  name: "chat join (pipe mode) talks to another client through ngIRCd",
  ignore: !hasProgram("ngircd"),
  async fn() {
    let ngircd: PeerServer | undefined;
    let peer: TestClient | undefined;
    let client: JoinProcess | undefined;
    try {
      ngircd = await startNgircd();
      const port = ngircd.port;
      peer = await TestClient.register(port, "peer");
      await peer.send("JOIN #ops");
      await peer.expect("366");
      // "ci" is taken on ngIRCd, so the client must register as ci_ and say so.
      const squatter = await TestClient.register(port, "ci");
      client = JoinProcess.start([`127.0.0.1:${port}`, "--nick", "ci", "--channel", "ops"]);
      await client.stderr.waitFor(/^Nickname ci is already in use; using ci_$/);
      await squatter.close();
      const join = await peer.expect("JOIN");
      assert.equal(join.source?.split("!")[0], "ci_");

      await client.write("deploy done\nsecond line with ünïcödé\n");
      assert.deepEqual((await peer.expect("PRIVMSG")).params, ["#ops", "deploy done"]);
      assert.deepEqual((await peer.expect("PRIVMSG")).params, ["#ops", "second line with ünïcödé"]);

      await peer.send("PRIVMSG #ops :thanks ci_");
      await peer.send("PRIVMSG ci_ :private hello");
      await client.stdout.waitFor(/^\[\d\d:\d\d:\d\d\] #ops <peer> thanks ci_$/);
      await client.stdout.waitFor(/^\[\d\d:\d\d:\d\d\] ci_ <peer> private hello$/);

      const { code, stdout, stderr } = await client.finish();
      assert.equal(code, 0, stderr.join("\n"));
      assert.equal(stdout.length, 2, stdout.join("\n"));
      const quit = await peer.expect("QUIT");
      assert.equal(quit.source?.split("!")[0], "ci_");
    } finally {
      client?.kill("SIGKILL");
      await client?.finish();
      await peer?.close();
      await ngircd?.stop();
    }
  },
});
