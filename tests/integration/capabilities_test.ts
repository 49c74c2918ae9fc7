/**
 * Every capability chat advertises, negotiated over TCP with and without it: the effect is there
 * with the capability and absent without it (or, for the few that only enable commands, the
 * capability is acknowledged and the command works).
 */
import assert from "node:assert/strict";
import { CAPABILITIES } from "../../server/capabilities.ts";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { testServer } from "../helpers/server.ts";

type Scenario = (port: number, caps: string[]) => Promise<boolean>;

/** `watcher` (with `caps`) and `other` (no caps) in #c; returns what `act` made watcher see. */
async function pair(
  port: number,
  caps: string[],
  act: (watcher: TestClient, other: TestClient) => Promise<void>,
): Promise<string[]> {
  const watcher = await TestClient.register(port, "watcher", caps);
  const other = await TestClient.register(port, "other");
  try {
    for (const c of [watcher, other]) {
      await c.send("JOIN #c");
      await c.expect("366");
    }
    await watcher.sync();
    const before = watcher.lines.length;
    await act(watcher, other);
    await other.sync();
    await watcher.sync();
    return watcher.lines.slice(before);
  } finally {
    await watcher.close();
    await other.close();
  }
}

const scenarios: Record<string, Scenario> = {
  "account-notify": async (port, caps) =>
    (await pair(port, caps, async (_, o) => {
      await o.send("NS REGISTER password1");
    })).some((l) => / ACCOUNT other$/.test(l)),
  "account-tag": async (port, caps) =>
    (await pair(port, caps, async (_, o) => {
      await o.send("NS REGISTER password1");
      await o.send("PRIVMSG #c :hi");
    })).some((l) => l.startsWith("@account=other ")),
  "away-notify": async (port, caps) =>
    (await pair(port, caps, async (_, o) => await o.send("AWAY :lunch"))).some((l) =>
      / AWAY :?lunch$/.test(l)
    ),
  "batch": async (port, caps) =>
    (await pair(port, caps, async (w, o) => {
      await o.send("PRIVMSG #c :history");
      await o.sync();
      await w.send("CHATHISTORY LATEST #c * 5");
    })).some((l) => / BATCH \+\w+ chathistory #c/.test(l)),
  "cap-notify": async (port, caps) => {
    const c = await TestClient.register(port, "capper", caps);
    await c.send("CAP LIST");
    const list = await c.expect((m) => m.command === "CAP" && m.params[1] === "LIST");
    await c.close();
    return list.params[2]!.split(" ").includes("cap-notify");
  },
  "chghost": async (port, caps) => {
    // the one path where a user@host changes: a connection logging in to an account whose user
    // is here becomes that user, and takes on its user@host
    const laptop = await TestClient.register(port, "alice");
    await laptop.send("NS REGISTER password1");
    await laptop.expect("900");
    const phone = await TestClient.register(port, "guest", caps);
    await phone.send("NS IDENTIFY alice password1");
    await phone.expect("900");
    await phone.expect((m) => m.command === "NICK" && m.params[0] === "alice");
    const after = await phone.sync();
    await laptop.close();
    await phone.close();
    return after.some((m) =>
      m.command === "CHGHOST" && m.source === "alice!~guest@127.0.0.1" &&
      m.params.join(" ") === "~alice 127.0.0.1"
    );
  },
  "draft/account-registration": async (port, caps) => {
    const c = await TestClient.register(port, "newbie", caps);
    await c.send("REGISTER * * password1");
    const reply = await c.expect((m) => m.command === "REGISTER" || m.command === "FAIL");
    await c.close();
    return reply.command === "REGISTER" && caps.includes("draft/account-registration");
  },
  "draft/no-implicit-names": async (port, caps) => {
    const c = await TestClient.register(port, "quiet", caps);
    await c.send("JOIN #n");
    await c.expect("JOIN");
    const afterJoin = await c.sync();
    await c.send("NAMES #n"); // asked for, the names come either way
    const asked = await c.expect("353");
    await c.expect("366");
    await c.close();
    assert.equal(asked.params[3], "@quiet");
    return !afterJoin.some((m) => m.command === "353" || m.command === "366");
  },
  "draft/pre-away": async (port, caps) => {
    const c = await TestClient.connect(port);
    if (caps.length > 0) {
      await c.send("CAP LS 302");
      await c.send(`CAP REQ :${caps.join(" ")}`);
      await c.expect((m) => m.command === "CAP" && m.params[1] === "ACK");
    }
    await c.send("NICK early");
    await c.send("AWAY :back soon"); // before registration
    const reply = await c.expect((m) => m.command === "306" || m.command === "451");
    await c.close();
    return reply.command === "306";
  },
  "draft/read-marker": async (port, caps) => {
    const c = await TestClient.register(port, "reader", caps);
    await c.send("NS REGISTER password1");
    await c.expect("900");
    await c.send("JOIN #r");
    await c.expect("366");
    await c.close();
    return c.lines.some((l) => / MARKREAD #r \*$/.test(l));
  },
  "draft/metadata-2": async (port, caps) =>
    (await pair(port, caps, async (w, o) => {
      await w.send("METADATA * SUB display-name");
      await w.sync();
      await o.send("METADATA * SET display-name :Other");
    })).some((l) => / METADATA other display-name \* Other$/.test(l)),
  "draft/multiline": async (port, caps) => {
    // a client that reads batches gets a multiline message as one with the capability
    const watcher = await TestClient.register(port, "watcher", [...caps, "batch"]);
    const sender = await TestClient.register(port, "sender", ["batch", "draft/multiline"]);
    await sender.send("BATCH +m draft/multiline watcher");
    await sender.send("@batch=m PRIVMSG watcher :one");
    await sender.send("@batch=m PRIVMSG watcher :two");
    await sender.send("BATCH -m");
    await watcher.expect((m) => m.params.at(-1) === "two");
    await watcher.close();
    await sender.close();
    return watcher.lines.some((l) => / BATCH \+\w+ draft\/multiline watcher$/.test(l));
  },
  "draft/channel-rename": async (port, caps) =>
    (await pair(port, caps, async (w) => await w.send("RENAME #c #d :tidier"))).some((l) =>
      / RENAME #c #d :?tidier$/.test(l)
    ),
  "draft/chathistory": async (port, caps) => {
    const early = await TestClient.register(port, "early");
    await early.send("JOIN #h");
    await early.send("PRIVMSG #h :before you came");
    await early.sync();
    const late = await TestClient.register(port, "late", caps);
    await late.send("JOIN #h");
    await late.expect("366");
    const replayed = (await late.sync()).some((m) => m.params.at(-1)?.endsWith("before you came"));
    await early.close();
    await late.close();
    return !replayed; // with the cap the client asks itself, so nothing is pushed
  },
  "draft/message-redaction": async (port, caps) =>
    (await pair(port, caps, async () => {
      // the sender has the capability; the watcher sees REDACT only with it (else a NOTICE)
      const caps = ["message-tags", "echo-message", "draft/message-redaction"];
      const sender = await TestClient.register(port, "sender", caps);
      await sender.send("JOIN #c");
      await sender.expect("366");
      await sender.send("PRIVMSG #c :oops");
      const msgid = (await sender.expect("PRIVMSG")).tags!.msgid!;
      await sender.send(`REDACT #c ${msgid}`);
      await sender.expect("REDACT");
      await sender.close();
    })).some((l) => / REDACT #c \S+$/.test(l)),
  "echo-message": async (port, caps) =>
    (await pair(port, caps, async (w) => await w.send("PRIVMSG #c :me too"))).some((l) =>
      l.includes("watcher!") && l.endsWith("PRIVMSG #c :me too")
    ),
  "extended-join": async (port, caps) =>
    (await pair(port, caps, async (_, o) => {
      await o.send("PART #c");
      await o.send("JOIN #c");
    })).some((l) => / JOIN #c \* :other tester$/.test(l)),
  "extended-monitor": async (port, caps) => {
    // a watched nick sharing no channel: its AWAY reaches an away-notify watcher only with it
    const w = await TestClient.register(port, "watcher", [...caps, "away-notify"]);
    const lone = await TestClient.register(port, "lone");
    await w.send("MONITOR + lone");
    await w.expect("730");
    await lone.send("AWAY :lunch");
    await lone.expect("306");
    const seen = await w.sync();
    await w.close();
    await lone.close();
    return seen.some((m) => m.command === "AWAY" && m.source?.startsWith("lone!") === true);
  },
  "invite-notify": async (port, caps) =>
    (await pair(port, caps, async (w, o) => {
      await w.send("MODE #c +o other"); // watcher created #c, so it is op
      const third = await TestClient.register(port, "third");
      await o.send("INVITE third #c");
      await third.expect("INVITE");
      await third.close();
    })).some((l) => / INVITE third #c$/.test(l)),
  "labeled-response": async (port, caps) =>
    (await pair(port, caps, async (w) => await w.send("@label=L1 PING :x"))).some((l) =>
      l.startsWith("@label=L1 ")
    ),
  "message-tags": async (port, caps) =>
    (await pair(port, caps, async (_, o) => await o.send("PRIVMSG #c :tagged"))).some((l) =>
      /^@msgid=/.test(l)
    ),
  "multi-prefix": async (port, caps) =>
    (await pair(port, caps, async (w) => {
      await w.send("MODE #c +v watcher");
      await w.send("NAMES #c");
    })).some((l) => / 353 watcher = #c :.*@\+watcher/.test(l)),
  "sasl": async (port, caps) => {
    const c = await TestClient.connect(port);
    await c.send("CAP LS 302");
    await c.send(`CAP REQ :${caps.join(" ") || "server-time"}`);
    const ack = await c.expect((m) =>
      m.command === "CAP" && (m.params[1] === "ACK" || m.params[1] === "NAK")
    );
    await c.close();
    return ack.params[1] === "ACK" && ack.params[2]!.includes("sasl");
  },
  "server-time": async (port, caps) =>
    (await pair(port, caps, async (_, o) => await o.send("PRIVMSG #c :when"))).some((l) =>
      /^@time=\d{4}-/.test(l)
    ),
  "setname": async (port, caps) =>
    (await pair(port, caps, async (_, o) => await o.send("SETNAME :New Name"))).some((l) =>
      / SETNAME :New Name$/.test(l)
    ),
  "soju.im/search": async (port, caps) => {
    // enables a command: acknowledged, and SEARCH answers (to a client without an account, FAIL)
    const c = await TestClient.register(port, "seeker", caps);
    await c.send("CAP LIST");
    const list = await c.expect((m) => m.command === "CAP" && m.params[1] === "LIST");
    await c.send("SEARCH text=anything");
    const fail = await c.expect("FAIL");
    await c.close();
    return list.params[2]!.split(" ").includes("soju.im/search") &&
      fail.params[1] === "ACCOUNT_REQUIRED";
  },
  "standard-replies": async (port, caps) => {
    const c = await TestClient.register(port, "std", caps);
    await c.send("CAP LIST");
    const list = await c.expect((m) => m.command === "CAP" && m.params[1] === "LIST");
    await c.close();
    return list.params[2]!.split(" ").includes("standard-replies");
  },
  "userhost-in-names": async (port, caps) =>
    (await pair(port, caps, async (w) => await w.send("NAMES #c"))).some((l) =>
      / 353 watcher = #c :.*other!~other@127\.0\.0\.1/.test(l)
    ),
};

Deno.test("every advertised capability has a scenario here", () => {
  assert.deepEqual([...CAPABILITIES.keys()].sort(), Object.keys(scenarios).sort());
});

for (const [cap, scenario] of Object.entries(scenarios)) {
  Deno.test(`capability ${cap}: works with it, absent without it`, async () => {
    const server = await testServer();
    try {
      assert.equal(await scenario(server.addr.port, [cap]), true, `${cap}: no effect with it`);
    } finally {
      await server.shutdown();
    }
    const plain = await testServer();
    try {
      assert.equal(await scenario(plain.addr.port, []), false, `${cap}: effect without it`);
    } finally {
      await plain.shutdown();
    }
  });
}
