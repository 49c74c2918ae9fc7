import assert from "node:assert/strict";
import { parseMessage } from "../../protocol/message.ts";
import { parseRef } from "../../server/commands/chathistory.ts";
import { Harness } from "../helpers/harness.ts";

const HISTORY_CAPS = ["draft/chathistory", "batch", "server-time", "message-tags"];

async function channelWithHistory(n: number) {
  const h = await Harness.create();
  const talker = await h.user("talker");
  await talker.run("JOIN #h");
  for (let i = 0; i < n; i++) await talker.run(`PRIVMSG #h :line ${i}`);
  return { h, talker };
}

/** The PRIVMSG texts inside the batch of a CHATHISTORY reply, checking the batch framing. */
function batchTexts(lines: string[], withMsgid = true): string[] {
  const start = parseMessage(lines[0]!)!;
  assert.equal(start.command, "BATCH");
  assert.equal(start.params[1], "chathistory");
  const id = start.params[0]!.slice(1);
  assert.equal(lines.at(-1), `:chat.local BATCH -${id}`);
  return lines.slice(1, -1).map((l) => {
    const m = parseMessage(l)!;
    assert.equal(m.tags?.batch, id);
    assert.ok(m.tags?.time && (!withMsgid || m.tags?.msgid), l);
    return m.params[1]!;
  });
}

Deno.test("message references parse; bad ones do not", () => {
  assert.deepEqual(parseRef("msgid=abc", false), { msgid: "abc" });
  assert.deepEqual(parseRef("timestamp=2026-01-01T00:00:00.000Z", false), {
    time: Date.UTC(2026, 0, 1),
  });
  assert.equal(parseRef("*", true), "*");
  assert.equal(parseRef("*", false), undefined);
  assert.equal(parseRef("timestamp=yesterday", false), undefined);
  assert.equal(parseRef("msgid=", false), undefined);
});

Deno.test("CHATHISTORY LATEST / BEFORE / AFTER / AROUND / BETWEEN page through a channel", async () => {
  const { h } = await channelWithHistory(10);
  const reader = await h.user("reader", HISTORY_CAPS);
  await reader.run("JOIN #h");
  const latest = await reader.run("CHATHISTORY LATEST #h * 3");
  assert.deepEqual(batchTexts(latest), ["line 7", "line 8", "line 9"]);
  const msgidOf = (line: string) => parseMessage(line)!.tags!.msgid;
  const first = msgidOf(latest[1]!); // "line 7"
  assert.deepEqual(batchTexts(await reader.run(`CHATHISTORY BEFORE #h msgid=${first} 2`)), [
    "line 5",
    "line 6",
  ]);
  const older = await reader.run(`CHATHISTORY BEFORE #h msgid=${first} 100`);
  assert.deepEqual(batchTexts(older), [0, 1, 2, 3, 4, 5, 6].map((i) => `line ${i}`));
  const m2 = msgidOf(older[3]!);
  assert.deepEqual(batchTexts(await reader.run(`CHATHISTORY AFTER #h msgid=${m2} 2`)), [
    "line 3",
    "line 4",
  ]);
  assert.deepEqual(batchTexts(await reader.run(`CHATHISTORY AROUND #h msgid=${m2} 3`)), [
    "line 1",
    "line 2",
    "line 3",
  ]);
  assert.deepEqual(
    batchTexts(await reader.run(`CHATHISTORY BETWEEN #h msgid=${m2} msgid=${first} 100`)),
    ["line 3", "line 4", "line 5", "line 6"],
  );
  assert.deepEqual(batchTexts(await reader.run(`CHATHISTORY LATEST #h msgid=${first} 100`)), [
    "line 8",
    "line 9",
  ]);
  const future = new Date(Date.now() + 60_000).toISOString();
  assert.deepEqual(batchTexts(await reader.run(`CHATHISTORY AFTER #h timestamp=${future} 5`)), []);
});

Deno.test("CHATHISTORY errors: bad parameters, a channel one is not on, unknown subcommand", async () => {
  const { h } = await channelWithHistory(2);
  const outsider = await h.user("outsider", HISTORY_CAPS);
  assert.match(
    (await outsider.run("CHATHISTORY LATEST #h * 5"))[0]!,
    /FAIL CHATHISTORY INVALID_TARGET/,
  );
  await outsider.run("JOIN #h");
  assert.match((await outsider.run("CHATHISTORY LATEST #h * 0"))[0]!, /INVALID_PARAMS/);
  assert.match((await outsider.run("CHATHISTORY BEFORE #h * 5"))[0]!, /INVALID_PARAMS/);
  assert.match((await outsider.run("CHATHISTORY BEFORE #h 12345 5"))[0]!, /INVALID_PARAMS/);
  assert.match((await outsider.run("CHATHISTORY FROBNICATE #h * 5"))[0]!, /INVALID_PARAMS/);
});

Deno.test("private messages have history for both sides; TARGETS lists conversations", async () => {
  const h = await Harness.create();
  const a = await h.user("amy", HISTORY_CAPS);
  const b = await h.user("ben", HISTORY_CAPS);
  await a.run("NS REGISTER amy-password");
  await b.run("NS REGISTER ben-password");
  await a.run("PRIVMSG ben :hi ben");
  await b.run("PRIVMSG amy :hi amy");
  assert.deepEqual(batchTexts(await a.run("CHATHISTORY LATEST ben * 10")), ["hi ben", "hi amy"]);
  assert.deepEqual(batchTexts(await b.run("CHATHISTORY LATEST AMY * 10")), ["hi ben", "hi amy"]);
  const c = await h.user("cat", HISTORY_CAPS);
  assert.deepEqual(batchTexts(await c.run("CHATHISTORY LATEST ben * 10")), []);
  const from = new Date(Date.now() - 60_000).toISOString();
  const to = new Date(Date.now() + 60_000).toISOString();
  const targets = await a.run(`CHATHISTORY TARGETS timestamp=${from} timestamp=${to} 10`);
  assert.match(targets[0]!, /BATCH \+\w+ draft\/chathistory-targets/);
  assert.match(targets[1]!, /CHATHISTORY TARGETS ben \d{4}-/);
  assert.equal(targets.length, 3);
});

Deno.test("JOIN replays recent lines: a batch with times, or notices around stamped lines", async () => {
  const { h } = await channelWithHistory(40);
  const modern = await h.user("modern", ["batch", "server-time"]);
  const lines = await modern.run("JOIN #h");
  const batchStart = lines.findIndex((l) => l.includes(" BATCH +"));
  assert.ok(batchStart > 0, "a history batch after the names");
  const texts = batchTexts(lines.slice(batchStart), false); // no message-tags: no msgid
  assert.equal(texts.length, 30); // default replay
  assert.equal(texts.at(-1), "line 39");
  const old = await h.user("old");
  const plainLines = await old.run("JOIN #h");
  const replay = plainLines.slice(plainLines.findIndex((l) => l.includes("*** History of #h")));
  assert.match(replay[0]!, /NOTICE old :\*\*\* History of #h: the last 30 messages/);
  assert.match(replay[1]!, /PRIVMSG #h :\[\d\d:\d\d\] line 10$/);
  assert.match(replay.at(-1)!, /End of history of #h/);
  // chathistory clients fetch history themselves: no replay
  const fetcher = await h.user("fetcher", HISTORY_CAPS);
  assert.ok(!(await fetcher.run("JOIN #h")).some((l) => l.includes("BATCH")));
});

Deno.test("status messages (@#chan) and TAGMSG are not stored", async () => {
  const h = await Harness.create();
  const a = await h.user("amy", ["message-tags"]);
  await a.run("JOIN #s");
  await a.run("PRIVMSG @#s :ops only");
  await a.run("@+typing=active TAGMSG #s");
  assert.equal(h.stores.history.count(), 0);
  await a.run("PRIVMSG #s :public");
  assert.equal(h.stores.history.count(), 1);
});
