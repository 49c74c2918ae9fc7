import assert from "node:assert/strict";
import { type Message, parseMessage, serializeMessage } from "../../protocol/message.ts";
import {
  concatPieces,
  MultilineInbox,
  multilineMessages,
  parseMultilineCap,
  pasteBatch,
} from "../../client/multiline.ts";
import { PasteGroups } from "../../client/paste.ts";

const LIMITS = { maxBytes: 4096, maxLines: 100 };
const wire = (messages: Message[] | undefined) => messages?.map((m) => serializeMessage(m));

Deno.test("client multiline: the CAP value's limits, unknown keys ignored, max-bytes required", () => {
  assert.deepEqual(parseMultilineCap("max-bytes=4096,max-lines=100"), LIMITS);
  assert.deepEqual(parseMultilineCap("future=1,max-bytes=40000"), {
    maxBytes: 40000,
    maxLines: Infinity,
  });
  assert.equal(parseMultilineCap("max-lines=10"), undefined);
  assert.equal(parseMultilineCap(""), undefined);
  assert.equal(parseMultilineCap(undefined), undefined);
});

Deno.test("client multiline: a long line is split into pieces that join back, spaces kept at the end", () => {
  const text = "the quick brown fox jumps over the lazy dog ".repeat(20).trimEnd();
  const pieces = concatPieces(text, 100);
  assert.equal(pieces.join(""), text);
  assert.ok(pieces.every((p) => new TextEncoder().encode(p).length <= 100));
  assert.ok(pieces.slice(0, -1).every((p) => p.endsWith(" ")), "broken after a space");
  assert.deepEqual(concatPieces("", 10), [""]);
  const wide = "€".repeat(10); // 3 bytes each: never cut inside one
  assert.deepEqual(concatPieces(wide, 10), ["€€€", "€€€", "€€€", "€"]);
});

Deno.test("client multiline: a paste becomes the spec's batch; blank ends dropped; limits respected", () => {
  const batch = multilineMessages("r1", "#chan", ["", "hello", "", "how is everyone?", ""], "me", {
    ...LIMITS,
  });
  assert.deepEqual(wire(batch), [
    "BATCH +r1 draft/multiline #chan",
    "@batch=r1 PRIVMSG #chan :hello",
    "@batch=r1 PRIVMSG #chan :",
    "@batch=r1 PRIVMSG #chan :how is everyone?",
    "BATCH -r1",
  ]);
  const long = "word ".repeat(200).trimEnd(); // 999 bytes: three pieces
  const split = multilineMessages("r2", "#chan", [long, "end"], "me", LIMITS)!;
  const concat = split.filter((m) => m.tags?.["draft/multiline-concat"] !== undefined);
  assert.ok(concat.length >= 2);
  assert.equal(split.slice(1, -2).map((m) => m.params[1]).join(""), long);
  assert.equal(multilineMessages("r3", "#c", ["", " "], "me", LIMITS), undefined);
  assert.equal(
    multilineMessages("r4", "#c", ["a".repeat(4000), "b".repeat(96)], "me", LIMITS),
    undefined,
  );
  assert.ok(multilineMessages("r5", "#c", ["a".repeat(4000), "b".repeat(95)], "me", LIMITS));
  const lines = Array.from({ length: 101 }, (_, i) => `${i}`);
  assert.equal(multilineMessages("r6", "#c", lines, "me", LIMITS), undefined);
  assert.ok(multilineMessages("r7", "#c", lines.slice(1), "me", LIMITS));
});

Deno.test("client multiline: only a paste of text, to a conversation, on a server offering it", () => {
  const ctx = {
    current: "#chan",
    nick: "me",
    caps: new Set(["batch", "draft/multiline"]),
    capValues: new Map([["draft/multiline", "max-bytes=4096,max-lines=100"]]),
  };
  assert.ok(pasteBatch(["one", "two"], ctx, "p"));
  assert.ok(pasteBatch(["// not a command", "/usr/bin"], ctx, "p"));
  assert.equal(pasteBatch(["one"], ctx, "p"), undefined);
  assert.equal(pasteBatch(["/join #x", "/join #y"], ctx, "p"), undefined);
  assert.equal(pasteBatch(["one", "two"], { ...ctx, current: undefined }, "p"), undefined);
  assert.equal(pasteBatch(["one", "two"], { ...ctx, caps: new Set(["batch"]) }, "p"), undefined);
  assert.equal(
    pasteBatch(["one", "two"], { ...ctx, caps: new Set(["draft/multiline"]) }, "p"),
    undefined,
  );
  assert.equal(pasteBatch(["one", "two"], { ...ctx, capValues: new Map() }, "p"), undefined);
});

Deno.test("client multiline: a received batch is shown as its lines, concatenations joined", () => {
  const inbox = new MultilineInbox();
  const lines = [
    ":chat.local BATCH +h chathistory #chan",
    "@msgid=xxx;time=2026-01-01T00:00:00.000Z;batch=h :n!u@h BATCH +123 draft/multiline #chan",
    "@batch=123 :n!u@h PRIVMSG #chan :hello",
    "@batch=123 :n!u@h PRIVMSG #chan :",
    "@batch=123 :n!u@h PRIVMSG #chan :how is ",
    "@batch=123;draft/multiline-concat :n!u@h PRIVMSG #chan :everyone?",
    ":n!u@h BATCH -123",
    ":chat.local BATCH -h",
  ];
  const out = lines.flatMap((l) => inbox.take(parseMessage(l)!)).map((m) => serializeMessage(m));
  assert.deepEqual(out, [
    ":chat.local BATCH +h chathistory #chan",
    "@msgid=xxx;time=2026-01-01T00:00:00.000Z;batch=h :n!u@h PRIVMSG #chan :hello",
    "@msgid=xxx/1;time=2026-01-01T00:00:00.000Z;batch=h :n!u@h PRIVMSG #chan :",
    "@msgid=xxx/2;time=2026-01-01T00:00:00.000Z;batch=h :n!u@h PRIVMSG #chan :how is everyone?",
    ":chat.local BATCH -h",
  ]);
  // NOTICE batches too; lines of other batches and other messages pass through
  const notice = [
    "@msgid=n1 :n!u@h BATCH +9 draft/multiline me",
    "@batch=9 :n!u@h NOTICE me :a",
    "@batch=9 :n!u@h NOTICE me :b",
    "@batch=other :n!u@h PRIVMSG me :elsewhere",
    ":n!u@h BATCH -9",
  ].flatMap((l) => inbox.take(parseMessage(l)!)).map((m) => serializeMessage(m));
  assert.deepEqual(notice, [
    "@batch=other :n!u@h PRIVMSG me :elsewhere",
    "@msgid=n1 :n!u@h NOTICE me :a",
    "@msgid=n1/1 :n!u@h NOTICE me :b",
  ]);
  // a batch left open by a dropped connection is forgotten
  inbox.take(parseMessage(":n!u@h BATCH +open draft/multiline #chan")!);
  inbox.clear();
  assert.equal(inbox.take(parseMessage("@batch=open :n!u@h PRIVMSG #chan :x")!).length, 1);
});

Deno.test("client paste: lines arriving together form one group, a later line another", async () => {
  const groups: string[][] = [];
  let got: () => void = () => {};
  const pastes = new PasteGroups((lines) => {
    groups.push(lines);
    got();
  });
  const next = () => new Promise<void>((resolve) => got = resolve);
  let flushed = next();
  pastes.add("one");
  pastes.add("two");
  pastes.add("three");
  await flushed;
  flushed = next();
  pastes.add("typed");
  await flushed;
  pastes.add("left over");
  pastes.flush(); // the input ended
  assert.deepEqual(groups, [["one", "two", "three"], ["typed"], ["left over"]]);
});
