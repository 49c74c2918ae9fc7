/**
 * Hostile-input suite: thousands of seeded malformed, oversized, byte-at-a-time and random lines
 * thrown at a live `chat serve` process while well-behaved clients keep talking. The server must
 * stay up, never hit an internal error, deliver every good message, and not grow without bound.
 */
import assert from "node:assert/strict";
import { hostileLine, prng } from "../helpers/hostile.ts";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { ChatProcess } from "../../scripts/support/process.ts";
import { RawClient, type RawLine } from "../helpers/raw_client.ts";

const SEED = Number(Deno.env.get("HOSTILE_SEED") ?? 20261124);
const HOSTILE_CONNECTIONS = 6;
const LINES_PER_CONNECTION = 600; // per round
const BYTE_AT_A_TIME_LINES = 40;
const GOOD_MESSAGES = 100; // per good client per round

function rssKiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]);
}

/** One hostile connection: registers (or not), then streams garbage, reconnecting when cut. */
async function hostile(
  port: number,
  id: number,
  rand: () => number,
  lines: number,
  byteAtATime: boolean,
) {
  let client: TestClient | undefined;
  let sent = 0;
  let reconnects = 0;
  while (sent < lines) {
    try {
      if (!client) {
        client = await TestClient.connect(port);
        if (rand() < 0.7) await client.send(`NICK fuzz${id}x${reconnects}\r\nUSER f 0 * :fuzz`);
      }
      const batch: Uint8Array[] = [];
      for (let i = 0; i < 20 && sent < lines; i++, sent++) {
        batch.push(hostileLine(rand), new Uint8Array([10]));
      }
      const bytes = new Uint8Array(batch.reduce((n, b) => n + b.length, 0));
      let at = 0;
      for (const b of batch) {
        bytes.set(b, at);
        at += b.length;
      }
      if (byteAtATime) {
        for (const b of bytes) await client.sendRaw(new Uint8Array([b]));
      } else {
        // split at random points, mid-line included
        for (let i = 0; i < bytes.length;) {
          const n = 1 + Math.floor(rand() * 3000);
          await client.sendRaw(bytes.subarray(i, i + n));
          i += n;
        }
      }
    } catch {
      // the server closed us (QUIT in the fuzz, an error): come back, as attackers do
      await client?.close();
      client = undefined;
      reconnects++;
    }
  }
  if (client) {
    // Make sure the server has read everything: end with a QUIT it understands in either mode
    // and wait for it to close the connection.
    const tail = rand() < 0.5 ? "PRIVMSG #fuzz :unterminated" : "";
    try {
      await client.sendRaw(new TextEncoder().encode(`${tail}\r\nQUIT :done\r\n/quit done\r\n`));
    } catch {
      // the last fuzz batch already made the server close us: it has read all it will
    }
    await client.closed(20_000);
    await client.close();
  }
  return reconnects;
}

async function goodTraffic(good: TestClient[], round: number) {
  for (let i = 0; i < GOOD_MESSAGES; i++) {
    for (const c of good) await c.send(`PRIVMSG #good :r${round} ${c.nick} ${i}`);
  }
  for (const c of good) {
    for (const other of good) {
      if (other === c) continue;
      const prefix = `:${other.nick}!`, marker = ` PRIVMSG #good :r${round} `;
      const received = () =>
        c.lines.filter((l) => l.startsWith(prefix) && l.includes(marker))
          .map((l) => Number(l.split(" ").at(-1)));
      await c.until(
        () => received().length >= GOOD_MESSAGES,
        `${GOOD_MESSAGES} messages from ${other.nick}`,
        30_000,
      );
      assert.deepEqual(received(), Array.from({ length: GOOD_MESSAGES }, (_, i) => i));
    }
  }
}

Deno.test("hostile input: the server stays up, good clients get every message, memory is bounded", async () => {
  const { process: server, port } = await ChatProcess.serve(["--no-flood-control"]);
  const good = await Promise.all(
    ["good1", "good2", "good3"].map((n) => TestClient.register(port, n)),
  );
  const rand = prng(SEED);
  const rss: number[] = [];
  try {
    for (const c of good) {
      await c.send("JOIN #good");
      await c.expect("366");
    }
    for (let round = 0; round < 2; round++) {
      const attacks = Array.from({ length: HOSTILE_CONNECTIONS }, (_, i) => {
        const slow = i === 0;
        return hostile(
          port,
          i,
          prng(Math.floor(rand() * 2 ** 32)),
          slow ? BYTE_AT_A_TIME_LINES : LINES_PER_CONNECTION,
          slow,
        );
      });
      await Promise.all([goodTraffic(good, round), ...attacks]);
      for (const c of good) await c.sync();
      rss.push(rssKiB(server.child.pid));
    }
    // still serving: a new client registers and gets answers
    const late = await TestClient.register(port, "latecomer");
    await late.send("LUSERS");
    const lusers = await late.expect("251");
    assert.match(lusers.params[1]!, /^There are 4 users/);
    await late.close();
    const errors = server.log.filter((l) => /^\S+ (error|warn) /.test(l));
    assert.equal(errors.join("\n"), "", "the server logged errors");
    // the second round may not cost much more memory than the first (seed ${SEED})
    assert.ok(rss[1]! < rss[0]! * 1.5 + 16 * 1024, `RSS grew from ${rss[0]} KiB to ${rss[1]} KiB`);
    const connections = server.log.filter((l) => / connected$/.test(l)).length;
    assert.ok(connections >= 2 * HOSTILE_CONNECTIONS + 4, `only ${connections} connections`);
    console.log(
      `hostile input: seed ${SEED}, ${connections} connections, ` +
        `RSS after round 1 ${rss[0]} KiB, after round 2 ${rss[1]} KiB`,
    );
  } finally {
    await Promise.all(good.map((c) => c.close()));
    server.kill("SIGTERM");
    await server.finish();
  }
});

const bytesOf = (...parts: (string | number[])[]): Uint8Array => {
  const chunks = parts.map((p) => typeof p === "string" ? new TextEncoder().encode(p) : p);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
};

/** The tag keys of a raw line (`@a=1;+b ...`), as written. */
function tagKeys(line: RawLine): string[] {
  if (line.text[0] !== "@") return [];
  return line.text.slice(1, line.text.indexOf(" ")).split(";").map((t) => t.split("=")[0]!);
}

/** A CR or NUL anywhere before the line's own CR (the LF was split off). */
function hasInnerControl(line: RawLine): boolean {
  const body = line.bytes.at(-1) === 13 ? line.bytes.subarray(0, -1) : line.bytes;
  return body.includes(13) || body.includes(0);
}

// IRCv3 message-tags: key = [ "+" ] [ vendor "/" ] key_name (letters, digits, hyphens)
const VALID_KEY =
  /^\+?([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\/)?[A-Za-z0-9-]+$/;

Deno.test("hostile tags: CR, NUL, empty and binary tag names reach nobody and are not stored", async () => {
  const { process: server, port } = await ChatProcess.serve(["--no-flood-control"]);
  const tagger = await RawClient.register(port, "tagger", { caps: ["message-tags"] });
  const watcher = await RawClient.register(port, "watcher", {
    caps: ["message-tags", "draft/chathistory", "batch"],
  });
  try {
    for (const c of [tagger, watcher]) {
      await c.send("JOIN #t");
      await c.expect((l) => / 366 /.test(l.text));
    }
    const attacks = [
      bytesOf("@+x\rQUIT;+y=1 PRIVMSG #t :t1\r\n"), // a CR inside a tag name
      bytesOf("@+n=a", [0], "b;+ok=1 PRIVMSG #t :t2\r\n"), // NUL in a tag value
      bytesOf("@=v;+=w;+e=1;; PRIVMSG #t :t3\r\n"), // empty tag names
      bytesOf("@+\ufffd\u00e9=1;+", [1, 2], "=2;+k", [0], "ey=3;+b=1 PRIVMSG #t :t4\r\n"),
      bytesOf("@+a\\r\\n=1;+v=x\\0y\\r\\n PRIVMSG #t :t5\r\n"), // escapes in a name and a value
    ];
    for (const attack of attacks) await tagger.send(attack);
    const relayed: RawLine[] = [];
    for (let i = 1; i <= attacks.length; i++) {
      relayed.push(await watcher.expect((l) => l.text.includes(` PRIVMSG #t :t${i}`)));
    }
    await watcher.send("CHATHISTORY LATEST #t * 10");
    const end = await watcher.expect((l) => / BATCH -/.test(l.text));
    const replayed = watcher.lines.slice(watcher.lines.indexOf(end) - attacks.length - 1)
      .filter((l) => / PRIVMSG #t :t\d$/.test(l.text.trimEnd()));
    assert.equal(replayed.length, attacks.length, "every message is replayed");
    for (const line of [...relayed, ...replayed]) {
      assert.ok(!hasInnerControl(line), `CR or NUL relayed: ${JSON.stringify(line.text)}`);
      for (const key of tagKeys(line)) {
        assert.match(key, VALID_KEY, `invalid tag name relayed: ${JSON.stringify(line.text)}`);
      }
    }
    // what was valid still travels: the tags next to the bad ones, the escaped CR/LF as escapes
    assert.ok(tagKeys(relayed[0]!).includes("+y"));
    assert.ok(tagKeys(relayed[1]!).includes("+ok"));
    assert.ok(tagKeys(relayed[2]!).includes("+e"));
    assert.deepEqual(tagKeys(relayed[3]!).filter((k) => k[0] === "+"), ["+b"]);
    assert.match(relayed[4]!.text, /[@;]\+v=x0y\\r\\n[; ]/);
    assert.ok(!watcher.lines.some((l) => / QUIT /.test(l.text)), "no QUIT was injected");
  } finally {
    await tagger.close();
    await watcher.close();
    server.kill("SIGTERM");
    await server.finish();
  }
});

/** `head` and three-byte code points up to 510 bytes, or `max` characters: a line that fills. */
function full(head: string, max = 510): string {
  return head + "€".repeat(Math.min(max, Math.floor((510 - head.length) / 3)));
}

/** The line without its tags, with its CRLF: what the 512-byte limit counts. */
function lineBytes(line: RawLine): number {
  const bytes = line.bytes;
  const start = bytes[0] === 64 ? bytes.indexOf(32) + 1 : 0;
  return bytes.length - start + 1; // + the LF split off (the CR is still in `bytes`)
}

Deno.test("long lines: relayed text is shortened at a code point so every line fits 512 bytes", async () => {
  const { process: server, port } = await ChatProcess.serve(["--no-flood-control"]);
  // the longest prefix a client can have: a 30-character nick and username
  const nick = "n" + "x".repeat(29);
  const sender = await RawClient.register(port, nick, { user: "u".repeat(40) });
  const reader = await RawClient.register(port, "reader", {
    caps: ["draft/chathistory", "batch", "away-notify", "setname", "extended-join"],
  });
  const door = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    for (const c of [sender, reader]) {
      await c.send("JOIN #t,#lobby");
      await c.expect((l) => / 366 \S+ #lobby /.test(l.text));
    }
    const check = async (what: string, test: (l: RawLine) => boolean): Promise<RawLine> => {
      const line = await reader.expect(test);
      const size = lineBytes(line);
      assert.ok(size <= 512, `${what}: ${size} bytes relayed`);
      new TextDecoder("utf-8", { fatal: true }).decode(line.bytes); // cut at a code point
      return line;
    };
    const textOf = (line: RawLine) => {
      const text = line.text.slice(line.text.indexOf(" :", line.text.indexOf(" PRIVMSG ")) + 2);
      return text.endsWith("\r") ? text.slice(0, -1) : text;
    };

    // 510 bytes sent: 124 four-byte code points and two letters
    const emoji = "\u{1F600}".repeat(124) + "ab";
    await sender.send(`PRIVMSG #t :${emoji}`);
    const relayedEmoji = await check("PRIVMSG", (l) => l.text.includes(" PRIVMSG #t :\u{1F600}"));
    const shortened = textOf(relayedEmoji);
    assert.ok(emoji.startsWith(shortened) && shortened.length < emoji.length, "a prefix");
    assert.ok(lineBytes(relayedEmoji) > 512 - 4, "no more than one code point too many was cut");

    // 166 three-byte code points: the text is cut to fit behind the long prefix
    await sender.send(full("PRIVMSG #t :"));
    const relayedEuro = await check("PRIVMSG €", (l) => l.text.includes(" PRIVMSG #t :€"));
    assert.match(textOf(relayedEuro), /^€+$/);
    assert.ok(lineBytes(relayedEuro) > 512 - 3);

    // history keeps exactly what was relayed
    await reader.send("CHATHISTORY LATEST #t * 10");
    await reader.expect((l) => / BATCH -/.test(l.text));
    const replayed = reader.lines.filter((l) => / PRIVMSG #t :/.test(l.text)).slice(-2);
    assert.deepEqual(replayed.map(textOf), [shortened, textOf(relayedEuro)]);
    for (const line of replayed) assert.ok(lineBytes(line) <= 512);

    // the other relayed free text, at each command's length limit (or the line's)
    await sender.send(full("TOPIC #t :", 390));
    await check("TOPIC", (l) => / TOPIC #t :/.test(l.text));
    await sender.send(full("AWAY :", 390));
    await check("AWAY", (l) => / AWAY :/.test(l.text));
    await sender.send(full("SETNAME :", 150));
    await check("SETNAME", (l) => / SETNAME :/.test(l.text));
    await sender.send(full("PART #t :", 390));
    await check("PART", (l) => / PART #t :/.test(l.text));
    await sender.send("JOIN #t");
    await check("extended JOIN", (l) => / JOIN #t \* :/.test(l.text));

    // a plain-text door user's input takes the same path
    const enc = new TextEncoder();
    await door.write(enc.encode(`door${"d".repeat(26)}\r\n`));
    await reader.expect((l) => / JOIN #lobby/.test(l.text) && l.text.startsWith(":doord"));
    await door.write(enc.encode("é".repeat(255) + "\r\n")); // 510 bytes typed
    const typed = await check("door", (l) => / PRIVMSG #lobby :é/.test(l.text));
    assert.match(textOf(typed), /^é+$/);

    await sender.send(full("KICK #lobby reader :", 390)); // the sender is op
    await check("KICK", (l) => / KICK #lobby reader :/.test(l.text));
    await sender.send(full("QUIT :", 390));
    await check("QUIT", (l) => l.text.startsWith(`:${nick}!`) && / QUIT :/.test(l.text));
  } finally {
    door.close();
    await sender.close();
    await reader.close();
    server.kill("SIGTERM");
    await server.finish();
  }
});
