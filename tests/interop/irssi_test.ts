/**
 * irssi (Debian), a client nobody here wrote, driven in tmux: it connects to chat, joins a
 * channel and talks with one of our clients.
 */
import assert from "node:assert/strict";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { testServer } from "../helpers/server.ts";
import { TmuxSession } from "../helpers/tmux.ts";

Deno.test("irssi joins a channel on chat and exchanges messages with our client", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const home = await Deno.makeTempDir({ prefix: "irssi-" });
  const us = await TestClient.register(port, "deno");
  let irssi: TmuxSession | undefined;
  try {
    await us.send("JOIN #interop");
    await us.expect("366");
    irssi = await TmuxSession.start(
      `irssi --home=${home} -n irssiuser -c 127.0.0.1 -p ${port}`,
    );
    await irssi.waitFor((s) => s.includes("Welcome to the chat IRC Network"));
    await irssi.type("/join #interop");
    await irssi.press("Enter");
    const join = await us.expect("JOIN");
    assert.equal(join.source?.split("!")[0], "irssiuser");
    await irssi.waitFor((s) => s.includes("@deno") || s.includes("Total of 2 nicks"));

    await irssi.type("hello from irssi");
    await irssi.press("Enter");
    assert.deepEqual((await us.expect("PRIVMSG")).params, ["#interop", "hello from irssi"]);

    await us.send("PRIVMSG #interop :hi irssi, this is deno");
    await irssi.waitFor((s) => /<\s*[@+]?deno> hi irssi, this is deno/.test(s));

    await us.send("TOPIC #interop :Interop works");
    await irssi.waitFor((s) => s.includes("Interop works"));

    await irssi.type("/quit leaving now");
    await irssi.press("Enter");
    assert.deepEqual((await us.expect("QUIT")).params, ["Quit: leaving now"]);
  } finally {
    await irssi?.kill();
    await us.close();
    await server.shutdown();
    await Deno.remove(home, { recursive: true });
  }
});
