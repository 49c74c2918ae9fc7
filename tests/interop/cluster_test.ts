/**
 * Cluster mode (issue 9) end to end: a real Debian `redis-server` on a free loopback port and two
 * or three real `chat serve --cluster` processes, with clients spread over them.
 */
import assert from "node:assert/strict";
import { type Message, parseMessage } from "../../protocol/message.ts";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { ChatProcess } from "../../scripts/support/process.ts";
import { viaSasl } from "../helpers/accounts.ts";
import { scramLogin } from "../helpers/sasl_scram.ts";
import { makeCertificates, makeClientCertificate } from "../helpers/tls_certs.ts";
import { RawClient, type RawLine } from "../helpers/raw_client.ts";
import { HAVE_REDIS, TestRedis } from "../../scripts/support/redis.ts";

const ignore = !HAVE_REDIS;
const why = ignore ? " [IGNORED: redis-server is not installed]" : "";

interface Node {
  process: ChatProcess;
  port: number;
  id: string;
}

/** The nodes `withCluster` started, one per element. */
type Nodes<N extends 1 | 2 | 3> = N extends 3 ? [Node, Node, Node]
  : N extends 2 ? [Node, Node]
  : [Node];

/** Starts `n` nodes on one Redis; the callback's clients and the nodes are cleaned up after. */
async function withCluster<N extends 1 | 2 | 3>(
  n: N,
  args: string[],
  run: (
    redis: TestRedis,
    nodes: Nodes<N>,
    clients: TestClient[],
  ) => Promise<void>,
): Promise<void> {
  const redis = await TestRedis.start();
  const nodes: Node[] = [];
  const clients: TestClient[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const id = `n${i + 1}`;
      const { process, port } = await ChatProcess.serve([
        "--cluster",
        redis.url,
        "--node-id",
        id,
        "--name",
        `${id}.chat.test`,
        "--no-flood-control",
        ...args,
      ]);
      nodes.push({ process, port, id });
    }
    await run(redis, nodes as Nodes<N>, clients);
  } catch (err) {
    for (const node of nodes) {
      console.error(`--- ${node.id} log:\n${node.process.log.slice(-30).join("\n")}`);
    }
    throw err;
  } finally {
    for (const c of clients) await c.close();
    for (const node of nodes) {
      node.process.kill("SIGKILL");
      await node.process.finish();
    }
    await redis.stop();
  }
}

/** Registers a client on a node and remembers it for cleanup. */
async function client(
  clients: TestClient[],
  port: number,
  nick: string,
  caps: string[] = [],
): Promise<TestClient> {
  const c = await TestClient.register(port, nick, caps);
  clients.push(c);
  return c;
}

/** Everyone joins `channel` in turn, and waits until it has seen the JOINs of those after it. */
async function joinAll(people: readonly TestClient[], channel: string): Promise<void> {
  for (const p of people) {
    await p.send(`JOIN ${channel}`);
    await p.expect("366");
  }
  for (const [i, p] of people.entries()) {
    const later = people.slice(i);
    await p.until(
      () =>
        later.every((o) =>
          p.lines.some((l) => l.startsWith(`:${o.nick}!`) && l.includes(" JOIN "))
        ),
      `${p.nick} saw the later JOINs`,
    );
  }
}

function texts(c: TestClient, channel: string): string[] {
  return c.lines.map((l) => parseMessage(l)!).filter((m) =>
    m.command === "PRIVMSG" && m.params[0] === channel
  ).map((m) => m.params[1] ?? "");
}

Deno.test({
  name: "cluster: three nodes, one channel: every message once, one order; private messages" + why,
  ignore,
  async fn() {
    await withCluster(3, [], async (_redis, [a, b, c], clients) => {
      const people = [
        await client(clients, a.port, "ann", ["echo-message"]),
        await client(clients, b.port, "ben", ["echo-message"]),
        await client(clients, c.port, "cat", ["echo-message"]),
        await client(clients, c.port, "dan", []),
      ];
      await joinAll(people, "#room");
      const PER = 40;
      // everyone at once, so the nodes' messages interleave in Redis
      await Promise.all(
        people.slice(0, 3).map((p) =>
          p.send(
            Array.from({ length: PER }, (_, i) => `PRIVMSG #room :${p.nick} ${i}`).join("\r\n"),
          )
        ),
      );
      const total = 3 * PER;
      for (const p of people.slice(0, 3)) {
        await p.until(() => texts(p, "#room").length >= total, `${p.nick} got ${total}`, 15_000);
      }
      const dan = people[3]!;
      await dan.until(() => texts(dan, "#room").length >= total, "dan got the others'", 15_000);
      await Promise.all(people.map((p) => p.sync()));
      const orders = people.slice(0, 3).map((p) => texts(p, "#room"));
      for (const order of orders) {
        assert.equal(order.length, total, "each message exactly once (echo included)");
        assert.equal(new Set(order).size, total);
        assert.deepEqual(order, orders[0], "the same order on every node");
      }
      assert.deepEqual(texts(dan, "#room"), orders[0]!, "a member without echo-message too");
      for (const p of people.slice(0, 3)) {
        const mine = orders[0]!.filter((t) => t.startsWith(`${p.nick} `));
        assert.deepEqual(mine, Array.from({ length: PER }, (_, i) => `${p.nick} ${i}`), "in order");
      }

      // private messages across nodes, both ways
      const [ann, , cat] = people as [TestClient, TestClient, TestClient, TestClient];
      await ann.send("PRIVMSG cat :psst");
      const got = await cat.expect((m) => m.command === "PRIVMSG" && m.params[0] === "cat");
      assert.equal(got.params[1], "psst");
      assert.match(got.source!, /^ann!/);
      await cat.send("PRIVMSG ann :hello back");
      await ann.expect((m) => m.command === "PRIVMSG" && m.params[1] === "hello back");
      await ann.send("PRIVMSG nobody :hm");
      await ann.expect("401");
    });
  },
});

Deno.test({
  name: "cluster: a nick is unique across nodes (433), also when two nodes race for it" + why,
  ignore,
  async fn() {
    await withCluster(2, [], async (_redis, [a, b], clients) => {
      await client(clients, a.port, "taken");
      const late = await TestClient.connect(b.port);
      clients.push(late);
      await late.send("NICK Taken");
      await late.send("USER x 0 * :x");
      assert.equal((await late.expect("433")).params[1], "Taken");
      // the race: the same nick asked on both nodes at once, ten times over
      for (let round = 0; round < 10; round++) {
        const pair = [await TestClient.connect(a.port), await TestClient.connect(b.port)];
        clients.push(...pair);
        await Promise.all(pair.map((c) => c.send(`NICK racer${round}\r\nUSER r 0 * :r`)));
        const outcomes = await Promise.all(
          pair.map((c) =>
            c.expect((m) => m.command === "001" || m.command === "433").then((m) => m.command)
          ),
        );
        assert.deepEqual(outcomes.sort(), ["001", "433"], `round ${round}: exactly one wins`);
      }
      // a nick changed on one node is free on the other at once
      const t = clients[0]!;
      await t.send("NICK renamed");
      await t.expect("NICK");
      await late.send("NICK taken");
      await late.expect("001");
    });
  },
});

Deno.test({
  name: "cluster: NAMES, WHO, WHOIS, LIST, LUSERS, TOPIC, MODE and KICK across nodes" + why,
  ignore,
  async fn() {
    await withCluster(2, [], async (_redis, [a, b], clients) => {
      const ann = await client(clients, a.port, "ann");
      const ben = await client(clients, b.port, "ben");
      const cid = await client(clients, b.port, "cid");
      await joinAll([ann, ben, cid], "#room");
      await ben.send("NAMES #room");
      const names = await ben.expect("353");
      assert.deepEqual(names.params[3]!.split(" ").sort(), ["@ann", "ben", "cid"]);
      await ben.send("WHO #room");
      const who: Message[] = [];
      for (let i = 0; i < 3; i++) who.push(await ben.expect("352"));
      assert.deepEqual(who.map((m) => m.params[5]).sort(), ["ann", "ben", "cid"]);
      await ben.send("WHOIS ann");
      const whois = await ben.expect("311");
      assert.equal(whois.params[1], "ann");
      assert.equal((await ben.expect("319")).params[2], "@#room");
      await ben.send("LUSERS");
      assert.match((await ben.expect("251")).params[1]!, /There are 3 users .* on 2 servers/);
      assert.match((await ben.expect("255")).params[1]!, /I have 2 clients and 1 servers/);
      await ann.send("TOPIC #room :shared topic");
      assert.equal((await ben.expect("TOPIC")).params[1], "shared topic");
      await ben.send("LIST");
      const list = await ben.expect("322");
      assert.deepEqual(list.params.slice(1), ["#room", "3", "shared topic"]);
      // ops and modes made on one node hold on the other
      await ann.send("MODE #room +o ben");
      const mode = await cid.expect("MODE");
      assert.deepEqual(mode.params, ["#room", "+o", "ben"]);
      await ben.send("MODE #room +m");
      await ann.expect((m) => m.command === "MODE" && m.params[1] === "+m");
      await cid.send("PRIVMSG #room :may I?");
      assert.equal((await cid.expect("404")).params[1], "#room");
      await ben.send("KICK #room cid :bye");
      const kick = await ann.expect("KICK");
      assert.deepEqual(kick.params, ["#room", "cid", "bye"]);
      await cid.expect("KICK");
      await ann.send("NAMES #room");
      assert.deepEqual((await ann.expect("353")).params[3]!.split(" ").sort(), ["@ann", "@ben"]);
      // a nick change is seen everywhere
      await cid.send("JOIN #other");
      await cid.expect("366");
      await ann.send("JOIN #other");
      await ann.expect((m) => m.command === "366" && m.params[1] === "#other");
      await cid.send("NICK cyd");
      const nick = await ann.expect("NICK");
      assert.equal(nick.source?.split("!")[0], "cid");
      assert.equal(nick.params[0], "cyd");
    });
  },
});

Deno.test({
  name:
    "cluster: kill -9 of the node an always-on user is on: it stays, and attaches through another" +
    why,
  ignore,
  async fn() {
    await withCluster(2, ["--cluster-lease", "2"], async (_redis, [a, b], clients) => {
      const ann = await client(clients, a.port, "ann");
      await ann.send("NS REGISTER wonderland");
      await ann.expectLine((l) => l.includes("registered; you are logged in"));
      const bob = await client(clients, b.port, "bob", ["away-notify"]);
      await joinAll([ann, bob], "#room");
      a.process.kill("SIGKILL");
      await bob.send("PRIVMSG #room :said while n1 was dying");
      const seen = await bob.expect((m) => m.command === "AWAY" || m.command === "QUIT", 10_000);
      assert.deepEqual([seen.command, seen.params[0]], ["AWAY", "Disconnected"], "no QUIT");
      await bob.send("NAMES #room");
      assert.deepEqual((await bob.expect("353")).params[3]!.split(" ").sort(), ["@ann", "bob"]);
      await bob.send("PRIVMSG ann :are you there?");
      assert.equal(
        (await bob.expect((m) => m.command === "301" || m.command === "401")).command,
        "301",
      );

      // ann's next connection, through the node that kept her, is her user again and catches up
      const back = await viaSasl(b.port, "ann", "ann", [], "wonderland");
      clients.push(back);
      assert.equal((await back.expect("001")).params[0], "ann");
      await back.expect((m) => m.command === "366" && m.params[1] === "#room");
      // caught up from when n1 may have died, not from when n2 noticed
      const dying = await back.expect((m) => m.command === "PRIVMSG" && m.params[0] === "#room");
      assert.match(dying.params[1]!, /said while n1 was dying$/);
      const missed = await back.expect((m) => m.command === "PRIVMSG" && m.params[0] === "ann");
      assert.match(missed.params[1]!, /are you there\?$/);
      assert.deepEqual((await bob.expect("AWAY")).params, [], "back");
      await back.send("PRIVMSG #room :back through n2");
      const heard = await bob.expect("PRIVMSG");
      assert.deepEqual([heard.source?.split("!")[0], heard.params[1]], ["ann", "back through n2"]);
    });
  },
});

Deno.test({
  name: "cluster: a second device through another node is a session of the same user, " +
    "there and back (SASL and IDENTIFY, messages, joins, read markers, QUIT, node loss)" + why,
  ignore,
  async fn() {
    await withCluster(2, ["--cluster-lease", "2"], async (_redis, [a, b], clients) => {
      const caps = ["draft/read-marker"];
      const laptop = await client(clients, a.port, "ann", caps);
      await laptop.send("NS REGISTER wonderland");
      await laptop.expectLine((l) => l.includes("registered; you are logged in"));
      const bob = await client(clients, b.port, "bob");
      await joinAll([laptop, bob], "#room");

      // the phone logs in through node B: the same user, welcomed under its nick by node A
      const phone = await viaSasl(b.port, "ann", "ann_phone", caps, "wonderland");
      clients.push(phone);
      assert.equal((await phone.expect("001")).params[0], "ann");
      assert.match((await phone.expect("002")).params[1]!, /n1\.chat\.test/);
      await phone.expect((m) => m.command === "JOIN" && m.params[0] === "#room");
      assert.deepEqual((await phone.expect("353")).params[3]!.split(" ").sort(), ["@ann", "bob"]);
      await bob.send("NAMES #room");
      assert.deepEqual((await bob.expect("353")).params[3]!.split(" ").sort(), ["@ann", "bob"]);

      await bob.send("PRIVMSG #room :hello both");
      for (const device of [laptop, phone]) {
        await device.expect((m) => m.command === "PRIVMSG" && m.params[1] === "hello both");
      }
      await phone.send("PRIVMSG #room :from the phone");
      const heard = await bob.expect("PRIVMSG");
      assert.deepEqual([heard.source?.split("!")[0], heard.params[1]], ["ann", "from the phone"]);
      await laptop.expect((m) => m.command === "PRIVMSG" && m.params[1] === "from the phone");
      await bob.send("PRIVMSG ann :private to ann");
      for (const device of [laptop, phone]) {
        await device.expect((m) => m.command === "PRIVMSG" && m.params[1] === "private to ann");
      }
      await phone.send("JOIN #phone");
      await phone.expect((m) => m.command === "366" && m.params[1] === "#phone");
      await laptop.expect((m) => m.command === "JOIN" && m.params[0] === "#phone");
      const at = "2026-01-02T03:04:05.678Z";
      await laptop.send(`MARKREAD #room timestamp=${at}`);
      const pushed = await phone.expect((m) => m.command === "MARKREAD" && m.params[0] === "#room");
      assert.equal(
        pushed.params[1],
        `timestamp=${at}`,
        "the marker reaches the other node's device",
      );

      // a third device logs in after registering, through node B: told it left its own nick
      const tablet = await client(clients, b.port, "tablet");
      await tablet.send("JOIN #tablet");
      await tablet.expect("366");
      await tablet.send("NS IDENTIFY ann wonderland");
      assert.deepEqual((await tablet.expect("PART")).params[0], "#tablet");
      assert.deepEqual((await tablet.expect("NICK")).params, ["ann"]);
      await tablet.expect((m) => m.command === "JOIN" && m.params[0] === "#room");
      await tablet.send("PRIVMSG #room :from the tablet");
      await phone.expect((m) => m.command === "PRIVMSG" && m.params[1] === "from the tablet");

      // a netcat user on node B logs in with /login: the same user too, in rendered lines
      const nc = await TestClient.connect(b.port);
      clients.push(nc);
      await nc.expectLine((l) => l.includes("Pick a nickname:"), 10_000);
      await nc.send("visitor");
      await nc.expectLine((l) => l.includes("* You joined #lobby"));
      await nc.send("/login ann wonderland");
      await nc.expectLine((l) => l.includes("* You joined #room"));
      await nc.send("typed at the terminal");
      await laptop.expect((m) =>
        m.command === "PRIVMSG" && m.params[1] === "typed at the terminal"
      );
      await bob.send("PRIVMSG #room :seen at the terminal");
      await nc.expectLine((l) => l.endsWith("<bob> seen at the terminal"));

      // one device leaves: the user stays, with its other sessions
      await tablet.send("QUIT :bye");
      await tablet.closed();
      await phone.send("PRIVMSG #room :phone still here");
      await bob.expect((m) => m.command === "PRIVMSG" && m.params[1] === "phone still here");
      assert.ok(!bob.lines.some((l) => / QUIT /.test(l)), "nobody quit");

      // the user's node dies: the phone is told and comes back through node B, which kept her
      a.process.kill("SIGKILL");
      assert.match((await phone.expect("ERROR", 10_000)).params[0]!, /node lost/);
      await phone.closed();
      await nc.expectLine((l) => l.startsWith("*** Disconnected:") && l.includes("node lost"));
      const back = await viaSasl(b.port, "ann", "ann", caps, "wonderland");
      clients.push(back);
      assert.equal((await back.expect("001")).params[0], "ann");
      assert.match((await back.expect("002")).params[1]!, /n2\.chat\.test/);
      await back.expect((m) => m.command === "366" && m.params[1] === "#room");
    });
  },
});

Deno.test({
  name: "cluster: a node started again under its id gets its always-on users back" + why,
  ignore,
  async fn() {
    await withCluster(1, [], async (redis, [a], clients) => {
      const ann = await client(clients, a.port, "ann");
      await ann.send("NS REGISTER wonderland");
      await ann.expectLine((l) => l.includes("registered; you are logged in"));
      await ann.send("JOIN #room");
      await ann.expect("366");
      await ann.send("QUIT");
      await ann.closed();
      a.process.kill("SIGKILL");
      await a.process.finish();
      const again = await ChatProcess.serve([
        "--cluster",
        redis.url,
        "--node-id",
        a.id,
        "--name",
        `${a.id}.chat.test`,
        "--no-flood-control",
      ]);
      a.process = again.process; // withCluster stops it
      const bob = await client(clients, again.port, "bob");
      await bob.send("NAMES #room");
      assert.equal((await bob.expect("353")).params[3], "@ann", "not quit by the restart");
      await bob.send("PRIVMSG ann :still there?");
      assert.equal(
        (await bob.expect((m) => m.command === "301" || m.command === "401")).command,
        "301",
      );
    });
  },
});

Deno.test({
  name: "cluster: kill -9 of a node: its users QUIT 'node lost' elsewhere within the lease" + why,
  ignore,
  async fn() {
    await withCluster(2, ["--cluster-lease", "2"], async (_redis, [a, b], clients) => {
      const ann = await client(clients, a.port, "ann");
      const ben = await client(clients, b.port, "ben");
      const bob = await client(clients, b.port, "bob");
      await joinAll([ann, ben, bob], "#room");
      const killedAt = Date.now();
      b.process.kill("SIGKILL");
      const quits = new Set<string>();
      while (quits.size < 2) {
        const q = await ann.expect("QUIT", 10_000);
        assert.equal(q.params[0], "node lost");
        quits.add(q.source!.split("!")[0]!);
      }
      const after = Date.now() - killedAt;
      assert.deepEqual([...quits].sort(), ["ben", "bob"]);
      assert.ok(after < 6000, `QUITs ${after} ms after the kill (lease 2 s)`);
      console.log(`node lost: QUITs ${after} ms after kill -9 (lease 2 s)`);
      await ann.send("NAMES #room");
      assert.equal((await ann.expect("353")).params[3], "@ann");
      // their nicks are free again
      const again = await client(clients, a.port, "ben");
      await again.send("LUSERS");
      assert.match((await again.expect("251")).params[1]!, /2 users .* on 1 servers/);
    });
  },
});

Deno.test({
  name: "cluster: Redis stops and comes back: nothing duplicated, losses reported by NOTICE" + why,
  ignore,
  async fn() {
    await withCluster(2, ["--cluster-hold", "2"], async (redis, [a, b], clients) => {
      const ann = await client(clients, a.port, "ann", ["echo-message"]);
      const ben = await client(clients, b.port, "ben", ["echo-message"]);
      await joinAll([ann, ben], "#room");
      await ann.send("PRIVMSG #room :before");
      await ben.expect((m) => m.command === "PRIVMSG" && m.params[1] === "before");

      // 1. a short outage: what was sent meanwhile arrives once, after Redis is back
      await redis.pause();
      await a.process.waitFor(/lost Redis/);
      await ann.send("PRIVMSG #room :during 1\r\nPRIVMSG #room :during 2");
      await ben.send("PRIVMSG #room :from ben during");
      await new Promise((r) => setTimeout(r, 500)); // the outage lasts a while
      await redis.resume(); // empty: no persistence, the nodes introduce their users again
      await a.process.waitFor(/back in sync/, 15_000);
      await b.process.waitFor(/back in sync/, 15_000);
      for (const p of [ann, ben]) {
        await p.until(
          () =>
            ["during 1", "during 2", "from ben during"].every((t) => texts(p, "#room").includes(t)),
          `${p.nick} got what was sent during the outage`,
          15_000,
        );
      }
      // the network works as before: same channel, both members, new messages
      await ann.send("PRIVMSG #room :after");
      await ben.expect((m) => m.command === "PRIVMSG" && m.params[1] === "after");
      await ben.send("NAMES #room");
      assert.deepEqual((await ben.expect("353")).params[3]!.split(" ").sort(), ["@ann", "ben"]);

      // 2. a longer outage than the hold time: the sender is told, nothing arrives later
      await redis.pause();
      await b.process.waitFor(/lost Redis/);
      await ann.send("PRIVMSG #room :too late");
      const notice = await ann.expect(
        (m) => m.command === "NOTICE" && /could not be delivered/.test(m.params[1] ?? ""),
        10_000,
      );
      assert.match(notice.params[1]!, /#room/);
      await redis.resume();
      await a.process.waitFor(/back in sync/, 15_000);
      await b.process.waitFor(/back in sync/, 15_000);
      await ann.send("PRIVMSG #room :last");
      await ben.expect((m) => m.command === "PRIVMSG" && m.params[1] === "last");
      await Promise.all([ann.sync(), ben.sync()]);
      for (const p of [ann, ben]) {
        const seen = texts(p, "#room");
        assert.equal(new Set(seen).size, seen.length, `${p.nick}: nothing twice: ${seen}`);
        assert.ok(!seen.includes("too late"), `${p.nick}: a reported loss is not delivered later`);
      }
      assert.deepEqual(texts(ben, "#room"), texts(ann, "#room"), "same order on both nodes");
    });
  },
});

Deno.test({
  name: "cluster: accounts and history are shared: register on one node, log in on another" + why,
  ignore,
  async fn() {
    await withCluster(2, [], async (_redis, [a, b], clients) => {
      const ann = await client(clients, a.port, "ann");
      await ann.send("NS REGISTER wonderland");
      await ann.expectLine((l) => l.includes("registered; you are logged in"));
      await ann.send("JOIN #keep");
      await ann.expect("366");
      // registered: its history outlives its members (an unregistered channel's ends with it)
      await ann.send("CS REGISTER #keep");
      await ann.expectLine((l) => l.includes("#keep is registered to ann"));
      for (let i = 0; i < 5; i++) await ann.send(`PRIVMSG #keep :line ${i}`);
      await ann.send("QUIT");
      await ann.closed();

      // SASL on the other node, then the history written through the first
      const again = await TestClient.connect(b.port);
      clients.push(again);
      await again.send("CAP LS 302");
      await again.send("CAP REQ :sasl batch server-time message-tags draft/chathistory");
      await again.expect((m) => m.command === "CAP" && m.params[1] === "ACK");
      await again.send("AUTHENTICATE PLAIN");
      await again.expect("AUTHENTICATE");
      await again.send(`AUTHENTICATE ${btoa("\0ann\0wonderland")}`);
      await again.expect("903");
      await again.send("NICK ann\r\nUSER a 0 * :Ann\r\nCAP END");
      await again.expect("001");
      await again.send("JOIN #keep");
      await again.expect("366");
      await again.send("CHATHISTORY LATEST #keep * 10");
      await again.expect("BATCH");
      for (let i = 0; i < 5; i++) {
        assert.equal((await again.expect("PRIVMSG")).params[1], `line ${i}`);
      }
      // IDENTIFY on the first node, and a wrong password refused
      const third = await client(clients, a.port, "someone");
      await third.send("NS IDENTIFY ann nope");
      await third.expectLine((l) => l.includes("Wrong account name or password"));
      await third.send("NS IDENTIFY ann wonderland");
      await third.expectLine((l) => l.includes("You are now logged in as ann"));
      // a plain client joining on node A gets the lines replayed
      const plain = await client(clients, a.port, "reader");
      await plain.send("JOIN #keep");
      await plain.expectLine((l) => l.includes("History of #keep"));
      await plain.expectLine((l) => l.includes("line 4"));
    });
  },
});

Deno.test({
  name: "cluster: account registration is throttled per address on a node" + why,
  ignore,
  async fn() {
    await withCluster(1, ["--exempt", "none"], async (_redis, [a], clients) => {
      for (let i = 0; i < 3; i++) {
        const c = await client(clients, a.port, `reg${i}`);
        await c.send(i % 2 ? "NS REGISTER password1" : "REGISTER * * password1");
        await c.expect("900");
      }
      const fourth = await client(clients, a.port, "reg3");
      await fourth.send("REGISTER * * password1");
      const fail = await fourth.expect("FAIL");
      assert.deepEqual(fail.params.slice(0, 3), ["REGISTER", "TEMPORARILY_UNAVAILABLE", "reg3"]);
      await fourth.send("NS REGISTER password1");
      await fourth.expectLine((l) => l.includes("Too many accounts registered from your address"));
      await fourth.send("NS INFO reg3");
      await fourth.expectLine((l) => l.includes("reg3 is not registered"));
      await fourth.send("NS INFO reg2");
      await fourth.expectLine((l) => l.includes("reg2: registered"));
    });
  },
});

Deno.test({
  name: "cluster: kill -9 mid-burst: every message whose echo came back is in Redis history" + why,
  ignore,
  async fn() {
    await withCluster(1, [], async (redis, [a], clients) => {
      const sender = await client(clients, a.port, "burst", ["echo-message", "message-tags"]);
      await sender.send("JOIN #burst");
      await sender.expect("366");
      const base = sender.received;
      let sent = 0;
      // bounded: at most 5,000 messages; stop once 500 echoes are back, with more in flight
      while (sender.received - base < 500 && sent < 5000) {
        const batch = Array.from({ length: 100 }, (_, i) => `PRIVMSG #burst :m${sent + i}`);
        await sender.send(batch.join("\r\n"));
        sent += batch.length;
        await sender.until(() => sender.received - base >= sent - 200, "echoes", 10_000);
      }
      await sender.send(
        Array.from({ length: 100 }, (_, i) => `PRIVMSG #burst :late${i}`).join("\r\n"),
      );
      a.process.kill("SIGKILL");
      await sender.closed(10_000);
      const echoed = sender.lines.filter((l) => l.includes(" PRIVMSG #burst :"))
        .map((l) => parseMessage(l)!.tags!.msgid!);
      assert.ok(echoed.length >= 500, `only ${echoed.length} echoes`);
      const { Redis } = await import("ioredis");
      const r = new Redis({ port: redis.port, host: "127.0.0.1", lazyConnect: true });
      try {
        await r.connect();
        const settings = JSON.parse((await r.get("chat:ch:#burst"))!);
        const stored = new Set(await r.hkeys(`chat:hi:${settings.hk}`));
        const missing = echoed.filter((id) => !stored.has(id));
        assert.deepEqual(missing, [], `${missing.length} of ${echoed.length} echoed messages lost`);
        console.log(`kill -9: ${sent + 100} sent, ${echoed.length} echoed, ${stored.size} stored`);
      } finally {
        r.disconnect();
      }
    });
  },
});

Deno.test({
  name: "cluster: history belongs to accounts and to a channel's life, on every node" + why,
  ignore,
  async fn() {
    await withCluster(2, [], async (redis, [a, b], clients) => {
      const caps = ["batch", "server-time", "message-tags", "draft/chathistory"];
      const latest = async (c: TestClient, target: string) => {
        await c.send(`CHATHISTORY LATEST ${target} * 10`);
        const id = (await c.expect("BATCH")).params[0]!.slice(1);
        const found: string[] = [];
        for (;;) {
          const m = await c.expect((m) => m.tags?.batch === id || m.command === "BATCH");
          if (m.command === "BATCH") return found;
          found.push(m.params[1]!);
        }
      };
      // SEARCH over Redis: a bounded scan of the conversations the asker may read
      const searched = async (c: TestClient, attributes: string) => {
        await c.send(`SEARCH ${attributes}`);
        const start = await c.expect((m) => m.command === "BATCH" || m.command === "FAIL");
        if (start.command === "FAIL") return start.params[1]!;
        const found: string[] = [];
        for (;;) {
          const m = await c.expect((m) => m.tags?.batch !== undefined || m.command === "BATCH");
          if (m.command === "BATCH") return found;
          found.push(m.params[1]!);
        }
      };
      const ann = await client(clients, a.port, "ann", caps);
      await ann.send("NS REGISTER wonderland");
      await ann.expectLine((l) => l.includes("registered; you are logged in"));
      const ben = await client(clients, b.port, "ben", caps);
      // node A learns of ben through Redis a moment after ben's welcome
      for (let tries = 0;; tries++) {
        await ann.send("ISON ben");
        if ((await ann.expect("303")).params[1] === "ben") break;
        assert.ok(tries < 100, "node A never saw ben");
      }
      await ann.send("PRIVMSG ben :for ben only");
      await ben.expect((m) => m.command === "PRIVMSG" && m.params[1] === "for ben only");
      await ann.send("JOIN #secret");
      await ann.expect("366");
      await ann.send("MODE #secret +s");
      await ann.send("PRIVMSG #secret :the plan");
      assert.deepEqual(await latest(ann, "#secret"), ["the plan"]);
      assert.deepEqual(await latest(ann, "ben"), ["for ben only"]);
      assert.deepEqual(await searched(ann, "text=PLAN;in=#secret"), ["the plan"]);
      assert.deepEqual(await searched(ann, "text=ben"), ["for ben only"]);
      // not always-on: her nick and #secret end with her connection
      await ann.send("NS SET ALWAYS-ON off");
      await ann.expectLine((l) => l.includes("Always-on is off"));
      await ann.send("QUIT");
      await ann.closed();

      // someone else takes the nick on the other node: nothing of ann's
      const mallory = await client(clients, b.port, "ann", caps);
      assert.deepEqual(await latest(mallory, "ben"), []);
      assert.equal(await searched(mallory, "text=ben"), "ACCOUNT_REQUIRED");
      await mallory.send("JOIN #secret");
      await mallory.expect("366");
      assert.deepEqual(await latest(mallory, "#secret"), [], "a new #secret starts empty");
      const from = new Date(Date.now() - 60_000).toISOString();
      const to = new Date(Date.now() + 60_000).toISOString();
      await mallory.send(`CHATHISTORY TARGETS timestamp=${from} timestamp=${to} 10`);
      await mallory.expect("BATCH");
      const listed = await mallory.expect((m) =>
        m.command === "CHATHISTORY" || m.command === "BATCH"
      );
      assert.equal(listed.command, "BATCH", `nothing listed, got ${listed.params}`);

      // the owner, logged in on node B, reads her private history
      const back = await client(clients, b.port, "ann2", caps);
      await back.send("NS IDENTIFY ann wonderland");
      await back.expectLine((l) => l.includes("You are now logged in as ann"));
      assert.deepEqual(await latest(back, "ben"), ["for ben only"]);
      assert.deepEqual(await searched(back, "text=only;in=ben"), ["for ben only"]);

      // the ended #secret's stream is gone from Redis
      const { Redis } = await import("ioredis");
      const r = new Redis({ port: redis.port, host: "127.0.0.1", lazyConnect: true });
      try {
        await r.connect();
        const streams = await r.keys("chat:h:#secret *");
        const live = JSON.parse((await r.get("chat:ch:#secret"))!).hk;
        assert.deepEqual(streams.filter((k) => k !== `chat:h:${live}`), []);
      } finally {
        r.disconnect();
      }
    });
  },
});

Deno.test({
  name:
    "cluster: what a node receives from Redis is held to the line rules (512 bytes, tags, CR/LF/NUL)" +
    why,
  ignore,
  async fn() {
    await withCluster(2, [], async (redis, [a, b], clients) => {
      const nick = "s" + "x".repeat(29);
      const sender = await client(clients, a.port, nick, ["message-tags"]);
      const reader = await RawClient.register(b.port, "reader", { caps: ["message-tags"] });
      try {
        await joinAll([sender], "#c");
        await reader.send("JOIN #c");
        await reader.expect((l) => / 366 /.test(l.text));
        await sender.until(() => sender.lines.some((l) => l.startsWith(":reader!")), "reader");
        const fits = (l: RawLine) => {
          const start = l.bytes[0] === 64 ? l.bytes.indexOf(32) + 1 : 0;
          return l.bytes.length - start + 1 <= 512;
        };
        const clean = (l: RawLine) => !l.bytes.subarray(0, -1).some((x) => x === 13 || x === 0);

        // through the other node: the sender's node fits the text before it publishes
        await sender.sendRaw(
          new TextEncoder().encode(`@+x\rQUIT;+y=1 PRIVMSG #c :${"é".repeat(249)}\r\n`),
        );
        const relayed = await reader.expect((l) => / PRIVMSG #c :é/.test(l.text));
        assert.ok(fits(relayed), `${relayed.bytes.length} bytes`);
        assert.ok(clean(relayed), JSON.stringify(relayed.text));

        // published straight into Redis, as a bad or old node could: the receiver fits it too
        const wire = {
          t: "msg",
          id: "forged1",
          cmd: "PRIVMSG",
          p: ["#c", "\ufffd".repeat(400) + "\r\nQUIT :x"],
          src: `evil\r\n!${"u".repeat(30)}@host`,
          tm: Date.now(),
          tg: { msgid: "forged1", "+x\rQUIT": "1", "": "2", "+ok": "a\0b" },
          u: "",
        };
        const { Redis } = await import("ioredis");
        const r = new Redis({ port: redis.port, host: "127.0.0.1", lazyConnect: true });
        try {
          await r.connect();
          await r.publish("chat:c:#c", `0-1\n${JSON.stringify(wire)}`);
        } finally {
          r.disconnect();
        }
        const forged = await reader.expect((l) => / PRIVMSG #c :\ufffd/.test(l.text));
        assert.ok(fits(forged), `${forged.bytes.length} bytes`);
        assert.ok(clean(forged), JSON.stringify(forged.text));
        assert.match(forged.text, /^@msgid=forged1;\+ok=ab :evil__!u+@host PRIVMSG #c :\ufffd+\r$/);
      } finally {
        await reader.close();
      }
    });
  },
});

Deno.test({
  name: "cluster: a non-op's INVITE opens nothing, a banned member keeps their nick (435), " +
    "and MAXLIST holds for many +b in a row" + why,
  ignore,
  async fn() {
    await withCluster(2, [], async (_redis, [a, b], clients) => {
      const ann = await client(clients, a.port, "ann");
      const nora = await client(clients, b.port, "nora");
      const bob = await client(clients, b.port, "bob");
      await joinAll([ann, nora], "#c");
      await ann.send("MODE #c +l 2");
      await nora.expect((m) => m.command === "MODE" && m.params[1] === "+l");
      await nora.send("INVITE bob #c");
      await bob.expect("INVITE");
      await bob.send("JOIN #c");
      assert.equal(
        (await bob.expect((m) => m.command === "471" || m.command === "JOIN")).command,
        "471",
      );
      await ann.send("INVITE bob #c");
      await bob.expect((m) => m.command === "INVITE" && m.source!.startsWith("ann!"));
      await bob.send("JOIN #c");
      await bob.expect("366");
      // banned, bob may not rename (his node checks the ban set on the other node)
      await ann.send("MODE #c +b bob!*@*");
      await bob.expect((m) => m.command === "MODE" && m.params[1] === "+b");
      await bob.send("NICK robert");
      assert.deepEqual((await bob.expect("435")).params.slice(1, 3), ["robert", "#c"]);
      // 104 more masks in 20 MODE lines sent at once: each line sees the bans before it
      let n = 0;
      const lines = [...Array(16).fill(5), ...Array(4).fill(6)].map((size) => {
        const masks = Array.from({ length: size }, () => `m${n++}!*@*`);
        return `MODE #c +${"b".repeat(size)} ${masks.join(" ")}`;
      });
      assert.equal(n, 104);
      await ann.send(lines.join("\r\n"));
      const replies = await ann.sync();
      assert.deepEqual(
        replies.filter((m) => m.command === "478").map((m) => m.params[2]),
        ["m99!*@*", "m100!*@*", "m101!*@*", "m102!*@*", "m103!*@*"],
      );
      await nora.send("MODE #c +b");
      await nora.expect("368");
      assert.equal(nora.lines.filter((l) => / 367 nora #c /.test(l)).length, 100);
    });
  },
});

Deno.test({
  name: "cluster: dropping an account drops its channels and logs it out on every node" + why,
  ignore,
  async fn() {
    await withCluster(2, [], async (_redis, [a, b], clients) => {
      const alice = await client(clients, a.port, "alice");
      await alice.send("NS REGISTER wonderland");
      await alice.expectLine((l) => l.includes("registered; you are logged in"));
      await alice.send("JOIN #owned");
      await alice.expect("366");
      await alice.send("CS REGISTER #owned");
      await alice.expectLine((l) => l.includes("#owned is registered to alice"));
      await alice.send("MODE #owned +ik secret");
      await alice.expect("MODE");
      const elsewhere = await client(clients, b.port, "elsewhere");
      await elsewhere.send("NS IDENTIFY alice wonderland");
      await elsewhere.expect("900");
      await alice.send("NS DROP wonderland");
      await alice.expect("901");
      await alice.expectLine((l) => l.includes("Account alice dropped."));
      assert.match((await elsewhere.expect("901")).params[2]!, /account alice was dropped/);
      const watcher = await client(clients, b.port, "watcher");
      await watcher.send("WHOIS elsewhere");
      const whois = await watcher.expect("318");
      assert.ok(!watcher.lines.some((l) => l.includes(" 330 ")), `still logged in: ${whois}`);
      // mallory takes the name on the other node: no founder's way into #owned
      await alice.send("NICK alice_");
      await alice.expect("NICK");
      const mallory = await client(clients, b.port, "Alice");
      await mallory.send("NS REGISTER mallory-pw");
      await mallory.expectLine((l) => l.includes("registered; you are logged in"));
      await mallory.send("JOIN #owned");
      assert.equal(
        (await mallory.expect((m) => /^(475|473|JOIN)$/.test(m.command))).command,
        "475",
      );
      for (const who of [mallory, alice]) {
        await who.send("CS INFO #owned");
        await who.expectLine((l) => l.includes("#owned is not registered"));
      }
    });
  },
});

Deno.test({
  name: "cluster: a PONG waits until Redis has stored every message sent before the PING" + why,
  ignore,
  async fn() {
    await withCluster(1, [], async (redis, [a], clients) => {
      const sender = await client(clients, a.port, "pinger"); // no echo-message: nothing else waits
      await sender.send("JOIN #pong");
      await sender.expect("366");
      await sender.sync();
      const { Redis } = await import("ioredis");
      const r = new Redis({ port: redis.port, host: "127.0.0.1", lazyConnect: true });
      try {
        await r.connect();
        // Redis holds every write (every script) for a moment: a PONG that did not wait for the
        // node's messages to be answered would arrive before any of them is stored
        await r.call("CLIENT", "PAUSE", "800", "WRITE");
        const burst = Array.from({ length: 300 }, (_, i) => `PRIVMSG #pong :p${i}`);
        await sender.send([...burst, "PING stored"].join("\r\n"));
        await sender.expect((m) => m.command === "PONG" && m.params[1] === "stored", 10_000);
        let stored = 0; // the channel's history stream (its key may carry the channel's life)
        for (const key of await r.keys("chat:h:#pong*")) stored += await r.xlen(key);
        assert.equal(stored, 300, "all 300 stored when the PONG came");
      } finally {
        r.disconnect();
      }
    });
  },
});

Deno.test({
  name: "cluster: read markers belong to the account on every node and only move forward" + why,
  ignore,
  async fn() {
    await withCluster(2, [], async (_redis, [a, b], clients) => {
      const caps = ["draft/read-marker"];
      const laptop = await client(clients, a.port, "alice", caps);
      await laptop.send("PRIVMSG NickServ :REGISTER correct-horse-battery");
      await laptop.expect("900");
      const at = "2026-01-02T03:04:05.678Z";
      await laptop.send(`MARKREAD bob timestamp=${at}`);
      assert.equal((await laptop.expect("MARKREAD")).params[1], `timestamp=${at}`);
      await laptop.send("JOIN #c");
      await laptop.expect("366");
      await laptop.send(`MARKREAD #c timestamp=${at}`);
      await laptop.expect((m) => m.command === "MARKREAD" && m.params[1] === `timestamp=${at}`);
      // her user ends; her next one, on the other node, finds her markers there
      await laptop.send("NS SET ALWAYS-ON off");
      await laptop.expectLine((l) => l.includes("Always-on is off"));
      await laptop.send("QUIT");
      await laptop.closed();
      const phone = await client(clients, b.port, "alice_phone", caps);
      for (let tries = 0;; tries++) {
        await phone.send("ISON alice");
        if ((await phone.expect("303")).params[1] === "") break;
        assert.ok(tries < 100, "node B never saw alice quit");
      }
      await phone.send("PRIVMSG NickServ :IDENTIFY alice correct-horse-battery");
      await phone.expect("900");
      await phone.send("MARKREAD bob timestamp=2025-01-01T00:00:00.000Z");
      assert.deepEqual((await phone.expect("MARKREAD")).params, ["bob", `timestamp=${at}`]);
      await phone.send("JOIN #c");
      const joined = await phone.expect((m) => m.command === "MARKREAD" && m.params[0] === "#c");
      assert.equal(joined.params[1], `timestamp=${at}`, "the other node's JOIN gets it");
    });
  },
});

/** A redis-cli command against the test Redis; its output. */
async function redisCli(redis: TestRedis, ...args: string[]): Promise<string> {
  const { stdout } = await new Deno.Command("redis-cli", {
    args: ["-p", String(redis.port), ...args],
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(stdout).trim();
}

Deno.test({
  name: "cluster: SCRAM and certificate (EXTERNAL) logins work on the node the account was not " +
    "made on; CERT DEL ends them on every node; DROP frees the fingerprints" + why,
  ignore,
  async fn() {
    const certs = await makeCertificates();
    const id = await makeClientCertificate(certs.dir, "cara");
    const tls = ["--tls-cert", certs.certFile, "--tls-key", certs.keyFile, "--tls-port", "0"];
    try {
      await withCluster(2, tls, async (redis, [a, b], clients) => {
        const tlsPort = async (node: Node) =>
          Number(/:(\d+)$/.exec(await node.process.waitFor(/listening for TLS on/))![1]);
        const [aTls, bTls] = [await tlsPort(a), await tlsPort(b)];
        const connect = async (port: number) => {
          const c = await TestClient.connectTls(port, [certs.caPem], "127.0.0.1", id);
          clients.push(c);
          await c.send("CAP LS 302");
          await c.send("CAP REQ sasl");
          await c.expect((m) => m.command === "CAP" && m.params[1] === "ACK");
          return c;
        };
        const external = async (c: TestClient) => {
          await c.send("AUTHENTICATE EXTERNAL");
          await c.expect("AUTHENTICATE");
          await c.send("AUTHENTICATE +");
          return (await c.expect((m) => m.command === "903" || m.command === "904")).command;
        };

        const cara = await connect(aTls);
        await cara.send("CAP END");
        await cara.registerAs("cara");
        await cara.send("NS REGISTER wonderland");
        await cara.expectLine((l) => l.includes("registered; you are logged in"));
        await cara.send("NS CERT ADD");
        await cara.expectLine((l) => l.includes("added"));

        assert.equal(await scramLogin(await connect(bTls), "cara", "wonderland"), "903");
        assert.equal(await scramLogin(await connect(bTls), "cara", "nope"), "904");
        assert.equal(await external(await connect(bTls)), "903");

        // on node B, logged in by certificate: CERT DEL there, and node A refuses it too
        const phone = await connect(bTls);
        assert.equal(await external(phone), "903");
        await phone.send("NICK cara\r\nUSER c 0 * :Cara\r\nCAP END");
        await phone.expect("001");
        const fp = id.fingerprint.replaceAll(":", "").toLowerCase();
        await phone.send("NS CERT LIST");
        await phone.expectLine((l) => l.includes(fp));
        await phone.send(`NS CERT DEL ${fp}`);
        await phone.expectLine((l) => l.includes("removed"));
        assert.equal(await external(await connect(bTls)), "904");
        assert.equal(await external(await connect(aTls)), "904");

        // an account from before SCRAM (no verifier in Redis) gains one at a PLAIN login
        const stored = JSON.parse(await redisCli(redis, "HGET", "chat:acctpw", "cara"));
        delete stored.scram;
        await redisCli(redis, "HSET", "chat:acctpw", "cara", JSON.stringify(stored));
        assert.equal(await scramLogin(await connect(aTls), "cara", "wonderland"), "904");
        const old = await connect(bTls);
        await old.send("AUTHENTICATE PLAIN");
        await old.expect("AUTHENTICATE");
        await old.send(`AUTHENTICATE ${btoa("\0cara\0wonderland")}`);
        await old.expect("903");
        assert.equal(await scramLogin(await connect(aTls), "cara", "wonderland"), "903");

        // dropping the account frees its fingerprints
        await cara.send("NS CERT ADD");
        await cara.expectLine((l) => l.includes("added"));
        assert.equal(await redisCli(redis, "HLEN", "chat:certfp"), "1");
        await cara.send("NS DROP wonderland");
        await cara.expectLine((l) => l.includes("dropped"));
        assert.equal(await redisCli(redis, "HLEN", "chat:certfp"), "0");
        assert.equal(await redisCli(redis, "EXISTS", "chat:certs:cara"), "0");
      });
    } finally {
      await Deno.remove(certs.dir, { recursive: true });
    }
  },
});
