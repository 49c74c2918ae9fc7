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
import { parsePrometheusText, sampleValue } from "../helpers/prometheus_text.ts";

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
  name: "cluster: REDACT on node A reaches node B, and Redis history forgets the message" + why,
  ignore,
  async fn() {
    await withCluster(2, [], async (redis, [a, b], clients) => {
      const caps = [
        "batch",
        "server-time",
        "message-tags",
        "echo-message",
        "draft/chathistory",
        "draft/message-redaction",
        "soju.im/search",
      ];
      const batchTexts = async (c: TestClient, line: string) => {
        await c.send(line);
        const id = (await c.expect("BATCH")).params[0]!.slice(1);
        const found: string[] = [];
        for (;;) {
          const m = await c.expect((m) => m.tags?.batch === id || m.command === "BATCH");
          if (m.command === "BATCH") return found;
          found.push(m.params[1]!);
        }
      };
      const ann = await client(clients, a.port, "ann", caps);
      await ann.send("NS REGISTER wonderland");
      await ann.expect("900");
      const ben = await client(clients, b.port, "ben", caps);
      await ben.send("NS REGISTER looking-glass");
      await ben.expect("900");
      const cat = await client(clients, b.port, "cat", ["message-tags"]); // no capability
      for (const c of [ann, ben, cat]) { // ann first: op
        await c.send("JOIN #r");
        await c.expect("366");
      }
      await ann.expect((m) => m.command === "JOIN" && m.source?.startsWith("cat!") === true);
      await ben.send("PRIVMSG #r :spam from node B");
      const spam = (await ben.expect("PRIVMSG")).tags!.msgid!;
      await ben.send("PRIVMSG #r :a keeper");
      await ann.expect((m) => m.params[1] === "a keeper");

      // the op on node A deletes ben's message: node B's members are told
      await ann.send(`REDACT #r ${spam} :spam`);
      assert.deepEqual((await ann.expect("REDACT")).params, ["#r", spam, "spam"]);
      const seen = await ben.expect("REDACT");
      assert.equal(seen.source, "ann!~ann@127.0.0.1");
      assert.deepEqual(seen.params, ["#r", spam, "spam"]);
      const told = await cat.expect((m) => m.command === "NOTICE" && m.params[0] === "#r");
      assert.match(told.params[1]!, /^ann deleted a message from ben from \d+ seconds? ago: spam$/);
      for (const c of [ann, ben]) {
        assert.deepEqual(await batchTexts(c, "CHATHISTORY LATEST #r * 10"), ["a keeper"]);
        assert.deepEqual(await batchTexts(c, "SEARCH in=#r;text=spam"), []);
      }

      // ben's private message to ann, deleted from node B: gone from both copies
      await ben.send("PRIVMSG ann :oops, wrong window");
      const oops = (await ben.expect("PRIVMSG")).tags!.msgid!;
      await ann.expect((m) => m.params[1] === "oops, wrong window");
      await ben.send(`REDACT ann ${oops}`);
      assert.deepEqual((await ann.expect("REDACT")).params, ["ann", oops]);
      assert.deepEqual(await batchTexts(ann, "CHATHISTORY LATEST ben * 10"), []);
      assert.deepEqual(await batchTexts(ben, "CHATHISTORY LATEST ann * 10"), []);

      // Redis itself keeps neither message, nor their msgid index entries
      const { Redis } = await import("ioredis");
      const r = new Redis({ port: redis.port, host: "127.0.0.1", lazyConnect: true });
      try {
        await r.connect();
        for (const key of await r.keys("chat:h:*")) {
          const entries = await r.xrange(key, "-", "+");
          const ids = entries.map(([, fields]) => fields[fields.indexOf("msgid") + 1]);
          assert.ok(!ids.includes(spam) && !ids.includes(oops), `${key} still has it`);
        }
        for (const key of await r.keys("chat:hi:*")) {
          assert.equal(await r.hget(key, spam), null);
          assert.equal(await r.hget(key, oops), null);
        }
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
  name: "cluster: +e lets a banned user in and +I into a +i channel on another node; the lists " +
    "(348, 346) reach every node and share MAXLIST when ops on two nodes race; a mute (m:) holds" +
    why,
  ignore,
  async fn() {
    await withCluster(2, [], async (_redis, [a, b], clients) => {
      const ann = await client(clients, a.port, "ann");
      const nora = await client(clients, b.port, "nora");
      const bob = await client(clients, b.port, "bob");
      const cat = await client(clients, b.port, "cat");
      await joinAll([ann, nora], "#c");
      await ann.send("MODE #c +o nora");
      await nora.expect((m) => m.command === "MODE" && m.params[1] === "+o");
      await ann.send("MODE #c +b *!*@*");
      await nora.expect((m) => m.command === "MODE" && m.params[1] === "+b");
      await bob.send("JOIN #c");
      await bob.expect("474");
      await ann.send("MODE #c +e bob");
      await nora.expect((m) => m.command === "MODE" && m.params[1] === "+e");
      await bob.send("JOIN #c");
      await bob.expect("366");
      await bob.send("PRIVMSG #c :let in");
      await ann.expect((m) => m.command === "PRIVMSG" && m.params[1] === "let in");
      await ann.send("MODE #c -b+iI *!*@* cat");
      await nora.expect((m) => m.command === "MODE" && m.params[1] === "-b+iI");
      await cat.send("JOIN #c");
      await cat.expect("366");
      // a mute set on one node holds on the other: in, but silent
      await ann.send("MODE #c +b m:cat");
      await cat.expect((m) => m.command === "MODE" && m.params[2] === "m:cat!*@*");
      await cat.send("PRIVMSG #c :muted?");
      assert.equal((await cat.expect("404")).params.at(-1), "Cannot send to channel (+b)");
      // nora, on the other node, reads the lists ann set
      await nora.send("MODE #c eI");
      assert.deepEqual((await nora.expect("348")).params.slice(1, 4), [
        "#c",
        "bob!*@*",
        "ann!~ann@127.0.0.1",
      ]);
      assert.deepEqual((await nora.expect("346")).params.slice(1, 3), ["#c", "cat!*@*"]);
      await nora.expect("347");
      // two ops on two nodes fill +e and +I at once: together they stop at 100 (3 are set)
      const burst = (letter: string, prefix: string) =>
        Array.from({ length: 12 }, (_, line) => {
          const masks = Array.from({ length: 5 }, (_, i) => `${prefix}${line * 5 + i}!*@*`);
          return `MODE #c +${letter.repeat(5)} ${masks.join(" ")}`;
        }).join("\r\n");
      await Promise.all([ann.send(burst("e", "x")), nora.send(burst("I", "y"))]);
      await Promise.all([ann.sync(), nora.sync()]);
      // +m comes after both bursts in Redis's order: where it is seen, so are they
      await ann.send("MODE #c +m");
      for (const op of [ann, nora]) {
        await op.expect((m) => m.command === "MODE" && m.params[1] === "+m");
        const from = op.lines.length;
        await op.send("MODE #c eIb");
        await op.expect("368");
        const entries = op.lines.slice(from).filter((l) => / 3(46|48|67) /.test(l));
        assert.equal(entries.length, 100, `${op.nick} sees the 100 masks Redis kept`);
      }
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

Deno.test({
  name: "cluster: a bot's +B is seen from the other node (bot tag, WHO flag, WHOIS 335)" + why,
  ignore,
  async fn() {
    await withCluster(2, [], async (_redis, [a, b], clients) => {
      const robo = await client(clients, a.port, "robodan");
      const tagged = await client(clients, b.port, "alice", ["message-tags"]);
      const plain = await client(clients, b.port, "plain");
      await robo.send("MODE robodan +B");
      assert.deepEqual((await robo.expect("MODE")).params, ["robodan", "+B"]);
      // the JOIN comes after the mode change on every node: node B knows the bot once it sees it
      await joinAll([tagged, plain, robo], "#chat");
      await robo.send("PRIVMSG #chat :beep from node A");
      const hear = (l: string) => l.endsWith(" PRIVMSG #chat :beep from node A");
      const line = await tagged.expectLine(hear);
      assert.equal(parseMessage(line)!.tags?.bot, "", line);
      assert.ok(/^@(?:[^ ]*;)?bot[; ]/.test(line), line);
      assert.equal(parseMessage(await plain.expectLine(hear))!.tags, undefined);
      await tagged.send("WHOIS robodan");
      const whois = await tagged.expect((m) => m.command === "335" || m.command === "318");
      assert.deepEqual(whois.params, ["alice", "robodan", "is a bot on chat"]);
      await tagged.send("WHO robodan %nf");
      assert.deepEqual((await tagged.expect("354")).params, ["alice", "robodan", "HB"]);
    });
  },
});

Deno.test({
  name: "cluster: MONITOR on one node hears a nick come online, change and leave on another" + why,
  ignore,
  async fn() {
    await withCluster(2, ["--cluster-lease", "2"], async (_redis, [a, b], clients) => {
      const caps = ["extended-monitor", "away-notify"];
      const watcher = await client(clients, a.port, "watcher", caps);
      await watcher.send("MONITOR + tgt,tgt2,lost");
      await watcher.expect((m) => m.command === "731" && m.params[1] === "tgt,tgt2,lost");
      const tgt = await client(clients, b.port, "tgt");
      const online = await watcher.expect("730");
      assert.deepEqual(online.params, ["watcher", "tgt!~tgt@127.0.0.1"]);
      // extended-monitor: no channel in common, the AWAY still comes
      await tgt.send("AWAY :out");
      const away = await watcher.expect("AWAY");
      assert.deepEqual([away.source?.split("!")[0], away.params[0]], ["tgt", "out"]);
      await tgt.send("NICK tgt2");
      assert.deepEqual((await watcher.expect("731")).params, ["watcher", "tgt"]);
      assert.deepEqual((await watcher.expect("730")).params, ["watcher", "tgt2!~tgt@127.0.0.1"]);
      await tgt.send("QUIT :bye");
      assert.deepEqual((await watcher.expect("731")).params, ["watcher", "tgt2"]);
      // its node lost: offline within the lease
      await client(clients, b.port, "lost");
      await watcher.expect((m) => m.command === "730" && m.params[1]!.startsWith("lost!"));
      b.process.kill("SIGKILL");
      assert.deepEqual((await watcher.expect("731", 10_000)).params, ["watcher", "lost"]);
    });
  },
});

Deno.test({
  name: "cluster: LUSERS counts each node's registering connections and users; an away user's " +
    "JOIN on one node brings its AWAY to away-notify members on another" + why,
  ignore,
  async fn() {
    await withCluster(2, [], async (_redis, [a, b], clients) => {
      const ann = await client(clients, a.port, "ann");
      const ben = await client(clients, b.port, "ben", ["away-notify"]);
      const cid = await client(clients, b.port, "cid");
      // a connection still registering on each node: each node counts only its own
      const waiting = await TestClient.connect(b.port);
      clients.push(waiting);
      await waiting.send("CAP LS 302");
      await waiting.expect("CAP");
      await cid.send("MODE cid +i");
      await cid.expect("MODE");
      // cid's +i reaches node a before its JOIN does (one order, Redis's)
      await ann.send("JOIN #room");
      await ann.expect("366");
      await cid.send("JOIN #room");
      await ann.expect((m) => m.command === "JOIN" && m.source?.startsWith("cid!") === true);
      for (const c of [ann, ben]) {
        await c.send("LUSERS");
        const lines = (await c.sync()).filter((m) => m.command !== "PONG");
        const find = (numeric: string) => lines.find((m) => m.command === numeric)?.params.slice(1);
        const here = c === ann ? 1 : 2;
        assert.deepEqual(find("251"), ["There are 2 users and 1 invisible on 2 servers"]);
        // each node counts its own connections still registering: node b has one, a none
        assert.deepEqual(find("253"), c === ann ? undefined : ["1", "unknown connection(s)"]);
        assert.deepEqual(find("254"), ["1", "channels formed"]);
        assert.deepEqual(find("255"), [`I have ${here} clients and 1 servers`]);
        assert.deepEqual(find("265"), [
          `${here}`,
          `${here}`,
          `Current local users ${here}, max ${here}`,
        ]);
        assert.deepEqual(find("266"), ["3", "3", "Current global users 3, max 3"]);
      }

      // ann, on node a, goes away and joins a channel ben (node b) is in
      await ben.send("JOIN #away");
      await ben.expect("366");
      await ann.send("AWAY :lunch");
      await ann.expect("306");
      await ann.send("JOIN #away");
      await ann.expect((m) => m.command === "366" && m.params[1] === "#away");
      await ben.expect((m) => m.command === "JOIN" && m.params[0] === "#away");
      assert.equal(await ben.expectLine(() => true), ":ann!~ann@127.0.0.1 AWAY :lunch");
    });
  },
});

Deno.test({
  name: "cluster: a multiline message from node A reaches node B whole, lines elsewhere, history" +
    why,
  ignore,
  async fn() {
    await withCluster(2, [], async (_redis, [a, b], clients) => {
      const multiline = ["batch", "draft/multiline", "message-tags", "draft/chathistory"];
      const ann = await client(clients, a.port, "ann", [...multiline, "echo-message"]);
      const ben = await client(clients, b.port, "ben", multiline);
      const cat = await client(clients, b.port, "cat", ["message-tags"]);
      await joinAll([ann, ben, cat], "#ml");
      const send = async (target: string) => {
        await ann.send(`BATCH +123 draft/multiline ${target}`);
        await ann.send(`@batch=123 PRIVMSG ${target} hello`);
        await ann.send(`@batch=123 PRIVMSG ${target} :`);
        await ann.send(`@batch=123 PRIVMSG ${target} :how is `);
        await ann.send(`@batch=123;draft/multiline-concat PRIVMSG ${target} :everyone?`);
        await ann.send("BATCH -123");
      };
      /** The next multiline batch `c` reads: the opening line and the lines as sent. */
      const batch = async (c: TestClient) => {
        const open = await c.expect((m) =>
          m.command === "BATCH" && m.params[1] === "draft/multiline"
        );
        const ref = open.params[0]!.slice(1);
        const lines: string[] = [];
        for (;;) {
          const m = await c.expect(() => true);
          if (m.command === "BATCH") break;
          assert.equal(m.tags?.batch, ref);
          lines.push(
            `${m.tags?.["draft/multiline-concat"] === undefined ? "" : "+"}${m.params[1]}`,
          );
        }
        return { open, lines };
      };
      const EXAMPLE = ["hello", "", "how is ", "+everyone?"];
      await send("#ml");
      const got = await batch(ben);
      assert.match(got.open.source!, /^ann!/);
      assert.deepEqual(got.lines, EXAMPLE);
      const msgid = got.open.tags?.msgid;
      assert.ok(msgid);
      const echo = await batch(ann);
      assert.equal(echo.open.tags?.msgid, msgid);
      assert.deepEqual(echo.lines, EXAMPLE);
      const first = await cat.expect("PRIVMSG");
      assert.deepEqual([first.params[1], first.tags?.msgid], ["hello", msgid]);
      assert.equal((await cat.expect("PRIVMSG")).params[1], "how is ");
      assert.equal((await cat.expect("PRIVMSG")).params[1], "everyone?");

      // stored whole in Redis: the replay is the same batch, inside the chathistory one
      await ben.send("CHATHISTORY LATEST #ml * 10");
      await ben.expect((m) => m.command === "BATCH" && m.params[1] === "chathistory");
      const replay = await batch(ben);
      assert.equal(replay.open.tags?.msgid, msgid);
      assert.deepEqual(replay.lines, EXAMPLE);

      // a private one to another node's user
      await send("ben");
      const direct = await batch(ben);
      assert.deepEqual(direct.open.params.slice(1), ["draft/multiline", "ben"]);
      assert.deepEqual(direct.lines, EXAMPLE);
    });
  },
});

Deno.test({
  name: "cluster: a labeled message's echo carries the label (after Redis); to oneself, only " +
    "the echo does, the delivery not" + why,
  ignore,
  async fn() {
    await withCluster(2, [], async (_redis, [a, b], clients) => {
      const caps = ["labeled-response", "batch", "echo-message", "message-tags"];
      const me = await client(clients, a.port, "me", caps);
      const you = await client(clients, b.port, "you", ["labeled-response", "batch"]);
      await joinAll([me, you], "#room");
      await me.sync(); // past the JOINs
      const replies = async (c: TestClient, line: string) => {
        await c.send(line);
        return (await c.sync()).filter((m) => m.command !== "PONG");
      };
      const channel = await replies(me, "@label=c1 PRIVMSG #room :hello room");
      assert.deepEqual(channel.map((m) => [m.command, m.tags?.label, m.params[0]]), [
        ["PRIVMSG", "c1", "#room"],
      ]);
      for (
        const [line, command] of [
          ["@label=p1 PRIVMSG me :hello me", "PRIVMSG"],
          ["@label=t1;+typing=active TAGMSG me", "TAGMSG"],
        ] as const
      ) {
        // the echo is the reply; the delivery comes through the inbox, whenever it does
        const start = me.lines.length;
        await me.send(line);
        await me.until(
          () => me.lines.slice(start).filter((l) => l.includes(` ${command} me`)).length === 2,
          "the echo and the delivery",
        );
        await me.sync();
        const got = me.lines.slice(start).map((l) => parseMessage(l)!)
          .filter((m) => m.command !== "PONG");
        assert.deepEqual(got.map((m) => [m.command, m.tags?.label ?? "-"]).sort(), [
          [command, "-"],
          [command, line.slice(7, 9)],
        ], line);
      }
      // without echo-message: an ACK
      await you.send("@label=a1 PRIVMSG you :hello you");
      const ack = await you.expect((m) => m.command === "ACK");
      assert.equal(ack.tags?.label, "a1");
      await you.expect((m) => m.command === "PRIVMSG" && m.params[1] === "hello you");
      assert.equal(you.lines.filter((l) => l.includes("label=")).length, 1);
    });
  },
});

Deno.test({
  name: "cluster: RENAME on one node is seen on the other (RENAME or PART and JOIN), NAMES, " +
    "messages, history and registration follow the new name" + why,
  ignore,
  async fn() {
    await withCluster(2, [], async (_redis, [a, b], clients) => {
      const rename = ["draft/channel-rename", "draft/chathistory", "batch"];
      const ann = await client(clients, a.port, "ann", rename);
      const ben = await client(clients, b.port, "ben", rename);
      const cal = await client(clients, b.port, "cal");
      await ann.send("NS REGISTER password1");
      await ann.expect("900");
      await joinAll([ann, ben, cal], "#old");
      await ann.send("CS REGISTER #old");
      await ann.expect((m) => m.command === "NOTICE" && /registered to ann/.test(m.params[1]!));
      await ann.send("TOPIC #old :kept across");
      await cal.expect("TOPIC");
      await ann.send("PRIVMSG #old :said before");
      await ben.expect((m) => m.command === "PRIVMSG" && m.params[1] === "said before");
      await joinAll([ben], "#taken"); // another node's channel: Redis says the name is in use
      await ann.send("RENAME #old #taken");
      const inUse = await ann.expect("FAIL");
      assert.deepEqual(inUse.params.slice(0, 4), [
        "RENAME",
        "CHANNEL_NAME_IN_USE",
        "#old",
        "#taken",
      ]);

      await ann.send("RENAME #old #new :tidier");
      const seen = await ben.expect("RENAME");
      assert.equal(seen.source, "ann!~ann@127.0.0.1");
      assert.deepEqual(seen.params, ["#old", "#new", "tidier"]);
      assert.deepEqual((await cal.expect("PART")).params, ["#old", "tidier"]);
      assert.deepEqual((await cal.expect("JOIN")).params, ["#new"]);
      assert.equal((await cal.expect("332")).params[2], "kept across");
      const listed = await cal.expect("353");
      assert.deepEqual(listed.params[3]!.split(" ").sort(), ["@ann", "ben", "cal"]);
      await cal.expect("366");

      // the channel's messages cross nodes under the new name, both ways
      await cal.send("PRIVMSG #new :from b");
      assert.deepEqual((await ann.expect("PRIVMSG")).params, ["#new", "from b"]);
      await ann.send("PRIVMSG #new :from a");
      assert.deepEqual((await cal.expect("PRIVMSG")).params, ["#new", "from a"]);
      await ben.send("NAMES #new");
      assert.deepEqual((await ben.expect("353")).params[3]!.split(" ").sort(), [
        "@ann",
        "ben",
        "cal",
      ]);
      await ben.send("CHATHISTORY LATEST #new * 10");
      const history: Message[] = [];
      await ben.until(
        () => ben.lines.some((l) => / BATCH -/.test(l)),
        "the history batch ended",
      );
      for (const l of ben.lines) {
        const m = parseMessage(l)!;
        if (m.command === "PRIVMSG" && m.tags?.batch) history.push(m);
      }
      assert.deepEqual(history.map((m) => m.params), [
        ["#new", "said before"],
        ["#new", "from b"],
        ["#new", "from a"],
      ]);

      // the registration followed, as the other node sees it
      await cal.send("CS INFO #new");
      assert.match((await cal.expect("NOTICE")).params[1]!, /^#new: founder ann/);
      await cal.send("CS INFO #old");
      assert.match((await cal.expect("NOTICE")).params[1]!, /#old is not registered/);

      // the old name is free on every node: a new channel, its first member its op
      const dan = await client(clients, a.port, "dan");
      await dan.send("JOIN #old");
      assert.equal((await dan.expect("353")).params[3], "@dan");
    });
  },
});

Deno.test({
  name: "cluster: pre-away: an away set before registration is seen on the other node; an " +
    "automatic connection moved to its user's node does not count as the user there" + why,
  ignore,
  async fn() {
    await withCluster(2, [], async (_redis, [a, b], clients) => {
      const laptop = await client(clients, a.port, "ann");
      await laptop.send("NS REGISTER wonderland");
      await laptop.expect("900");
      const bob = await client(clients, b.port, "bob", ["away-notify"]);
      await joinAll([laptop, bob], "#room");

      // before registration, through node B, with `AWAY :lunch`: node A's users see the away
      const early = await TestClient.connect(b.port);
      clients.push(early);
      await early.send("CAP LS 302");
      await early.send("CAP REQ draft/pre-away");
      await early.expect((m) => m.command === "CAP" && m.params[1] === "ACK");
      await early.send("NICK early\r\nUSER e 0 * :e\r\nAWAY :lunch\r\nCAP END");
      await early.expect("001");
      await early.send("JOIN #room"); // ordered after its away: once node A shows it, it has both
      await laptop.expect((m) => m.command === "JOIN" && m.source?.startsWith("early!") === true);
      await laptop.send("WHOIS early");
      assert.equal((await laptop.expect("301")).params[2], "lunch");

      // ann's automatic connection logs in through node B, and moves to node A with its `*`
      const sync = await TestClient.connect(b.port);
      clients.push(sync);
      await sync.send("CAP LS 302");
      await sync.send("CAP REQ :sasl draft/pre-away");
      await sync.expect((m) => m.command === "CAP" && m.params[1] === "ACK");
      await sync.send("AUTHENTICATE PLAIN");
      await sync.expect("AUTHENTICATE");
      await sync.send(`AUTHENTICATE ${btoa("\0ann\0wonderland")}`);
      await sync.expect("903");
      await sync.send("NICK ann\r\nUSER a 0 * :a\r\nAWAY *\r\nCAP END");
      await sync.expect((m) => m.command === "JOIN" && m.params[0] === "#room");
      await laptop.send("QUIT :lid closed");
      await laptop.closed();
      // only the automatic connection is left: ann is away (always-on: as with none)
      const annAway = (m: Message) => m.command === "AWAY" && m.source?.startsWith("ann!") === true;
      assert.deepEqual((await bob.expect(annAway)).params, ["Disconnected"]);
      await sync.send("AWAY");
      await sync.expect("305");
      assert.deepEqual((await bob.expect(annAway)).params, [], "a person is back");
    });
  },
});

Deno.test({
  name: "cluster: a connection that moves to its account's node keeps its MONITOR list" + why,
  ignore,
  async fn() {
    await withCluster(2, [], async (_redis, [a, b], clients) => {
      const laptop = await client(clients, a.port, "ann");
      await laptop.send("NS REGISTER wonderland");
      await laptop.expectLine((l) => l.includes("registered; you are logged in"));
      const phone = await client(clients, b.port, "ann_phone");
      await phone.send("MONITOR + tgt");
      await phone.expect("731");
      await phone.send("NS IDENTIFY ann wonderland"); // moves to node A, where ann is
      await phone.expect((m) => m.command === "NICK" && m.params[0] === "ann");
      await phone.send("MONITOR L");
      assert.deepEqual((await phone.expect("732")).params, ["ann", "tgt"]);
      await client(clients, b.port, "tgt");
      assert.deepEqual((await phone.expect("730")).params, ["ann", "tgt!~tgt@127.0.0.1"]);
      assert.ok(!laptop.lines.some((l) => / 73[01] /.test(l)), "the laptop watches nothing");
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

Deno.test({
  name: "cluster: metadata set on one node reaches a subscriber on another; GET works there" + why,
  ignore,
  async fn() {
    await withCluster(2, [], async (_redis, [a, b], clients) => {
      const caps = ["draft/metadata-2", "batch"];
      const alice = await client(clients, a.port, "alice", caps);
      const bob = await client(clients, b.port, "bob", caps);
      const loner = await client(clients, b.port, "loner", caps);
      for (const c of [bob, loner]) {
        await c.send("METADATA * SUB display-name avatar");
        await c.expect("770");
      }
      await joinAll([alice, bob], "#meta");

      await alice.send("METADATA * SET display-name :Alice A.");
      await alice.expect("761");
      const heard = await bob.expect("METADATA");
      assert.deepEqual(heard.params, ["alice", "display-name", "*", "Alice A."]);
      assert.ok(!(await loner.sync()).some((m) => m.command === "METADATA"), "shares no channel");

      await bob.send("METADATA alice GET display-name");
      const value = await bob.expect("761");
      assert.deepEqual(value.params.slice(1), ["alice", "display-name", "*", "Alice A."]);

      // a channel's keys: set by its op on node A, its member on node B hears them
      await alice.send("METADATA #meta SET avatar :https://example.com/c.png");
      await alice.expect("761");
      const chan = await bob.expect((m) => m.command === "METADATA" && m.params[0] === "#meta");
      assert.equal(chan.params.at(-1), "https://example.com/c.png");

      // a later joiner on node B gets both in the batch after its JOIN
      await loner.send("JOIN #meta");
      await loner.expect("366");
      await loner.until(
        () => loner.lines.filter((l) => l.includes(" METADATA ")).length >= 2,
        "loner got the channel's metadata",
      );
    });
  },
});

/** A node's metrics port (`--metrics-port 0`), from its log. */
async function metricsBase(node: Node): Promise<string> {
  const line = await node.process.waitFor(/metrics on http:\/\/\S+:\d+\/metrics/);
  return `http://127.0.0.1:${/:(\d+)\/metrics/.exec(line)![1]}`;
}

Deno.test({
  name: "cluster: /metrics counts Redis round trips and lag and deliveries on the receiving " +
    "node; /healthz fails while Redis is away" + why,
  ignore,
  async fn() {
    await withCluster(2, ["--metrics-port", "0"], async (redis, [a, b], clients) => {
      const [baseA, baseB] = [await metricsBase(a), await metricsBase(b)];
      const scrape = async (base: string) => {
        const res = await fetch(`${base}/metrics`);
        assert.equal(res.status, 200);
        return parsePrometheusText(await res.text());
      };
      const ann = await client(clients, a.port, "ann");
      const ben = await client(clients, b.port, "ben");
      await joinAll([ann, ben], "#m");
      const before = await scrape(baseB);
      await ann.send("PRIVMSG #m :across");
      await ben.expect((m) => m.command === "PRIVMSG" && m.params[1] === "across");
      const afterB = await scrape(baseB);
      assert.equal(
        sampleValue(afterB, "chat_deliveries_total") - sampleValue(before, "chat_deliveries_total"),
        1,
        "ben's node counts its delivery",
      );
      const afterA = await scrape(baseA);
      assert.equal(sampleValue(afterA, "chat_messages_total"), 1);
      assert.ok(sampleValue(afterA, "chat_redis_round_trip_seconds_count") > 0);
      assert.ok(sampleValue(afterA, "chat_redis_lag_seconds") >= 0);
      assert.equal((await fetch(`${baseA}/healthz`)).status, 200);

      await redis.pause();
      const deadline = Date.now() + 15_000;
      let health: Response;
      while ((health = await fetch(`${baseA}/healthz`)).status !== 503) {
        await health.body?.cancel();
        assert.ok(Date.now() < deadline, "/healthz never failed with Redis away");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.match(await health.text(), /Redis at \S+ unreachable/);
      assert.equal(sampleValue(await scrape(baseA), "chat_healthy"), 0);
    });
  },
});

Deno.test({
  name:
    "cluster: a KLINE on one node disconnects a matching user on another, which refuses it (465); STATS k and UNKLINE everywhere" +
    why,
  ignore,
  async fn() {
    await withCluster(2, ["--oper", "root:secret"], async (_redis, [n1, n2], clients) => {
      const boss = await client(clients, n1.port, "boss");
      await boss.send("OPER root secret");
      await boss.expect("381");
      const bob = await client(clients, n2.port, "bob");
      const carol = await client(clients, n2.port, "carol");
      await joinAll([bob, carol, boss], "#bans");
      await boss.send("KLINE ~bob@* :spam from n2");
      await boss.expect("NOTICE");
      assert.match((await bob.expect("ERROR")).params[0]!, /K-lined: spam from n2/);
      await bob.closed();
      for (const c of [carol, boss]) {
        const quit = await c.expect("QUIT");
        assert.ok(quit.source?.startsWith("bob!"));
        assert.match(quit.params[0]!, /K-lined: spam from n2/);
      }
      // n2 refuses bob at registration; its opers list the ban
      const again = await TestClient.connect(n2.port);
      clients.push(again);
      await again.send("NICK bob");
      await again.send("USER bob 0 * :bob");
      assert.equal((await again.expect((m) => ["465", "001"].includes(m.command))).command, "465");
      await again.closed();
      const boss2 = await client(clients, n2.port, "boss2");
      await boss2.send("OPER root secret");
      await boss2.expect("381");
      await boss2.send("STATS k");
      assert.deepEqual((await boss2.expect("216")).params.slice(1, 4), ["K", "~bob@*", "boss"]);
      await boss2.expect("219");
      // lifted on n2: n1 lets bob in once it has read the bans again
      await boss2.send("UNKLINE ~bob@*");
      await boss2.expect((m) => m.command === "NOTICE" && /Removed/.test(m.params[1]!));
      const deadline = Date.now() + 5000;
      for (;;) {
        await boss.send("STATS k");
        const m = await boss.expect((m) => m.command === "216" || m.command === "219");
        if (m.command === "219") break;
        await boss.expect("219");
        assert.ok(Date.now() < deadline, "n1 still has the K-line");
      }
      await client(clients, n1.port, "bob");
    });
  },
});
