import assert from "node:assert/strict";
import { msg } from "../../protocol/message.ts";
import { Outgoing } from "../../server/outgoing.ts";
import { MultilineBatch } from "../../server/state/multiline_batch.ts";
import { WANTS_MULTILINE, WANTS_TAGS } from "../../server/state/tag_variant.ts";
import { storedLines, storedText } from "../../server/store/multiline_text.ts";

const EXAMPLE = [
  { text: "hello", concat: false },
  { text: "", concat: false },
  { text: "how is ", concat: false },
  { text: "everyone?", concat: true },
];

Deno.test("multiline storage: one text with LF and CR between lines, read back the same", () => {
  const text = storedText(EXAMPLE);
  assert.equal(text, "hello\n\nhow is \reveryone?");
  assert.deepEqual(storedLines(text), EXAMPLE);
  assert.equal(storedLines("an ordinary message"), undefined);
});

Deno.test("multiline batch: the first line's concat means nothing; limits count line feeds", () => {
  const batch = new MultilineBatch("r", "#Chan", undefined, 0);
  assert.equal(batch.add("PRIVMSG", "#chan", "a", true), undefined, "case-insensitive target");
  assert.equal(batch.add("PRIVMSG", "#CHAN", "b".repeat(4094), false), undefined);
  assert.deepEqual(batch.finish(), {
    lines: [{ text: "a", concat: false }, { text: "b".repeat(4094), concat: false }],
  });
  assert.equal(batch.add("PRIVMSG", "#chan", "c", true)?.code, "MULTILINE_MAX_BYTES");
});

Deno.test("multiline outgoing: a batch with the tags on its BATCH line, or lines with them on the first", () => {
  const out = new Outgoing(msg("PRIVMSG", ["#c"], "n!u@h"), {
    tags: { msgid: "xxx" },
    lines: EXAMPLE,
    always: { label: "L" },
  });
  const [open, ...rest] = out.line(WANTS_MULTILINE | WANTS_TAGS).split("\r\n");
  const ref = /BATCH \+(\S+)/.exec(open!)![1];
  assert.equal(open, `@label=L;msgid=xxx :n!u@h BATCH +${ref} draft/multiline #c`);
  assert.deepEqual(rest, [
    `@batch=${ref} :n!u@h PRIVMSG #c :hello`,
    `@batch=${ref} :n!u@h PRIVMSG #c :`,
    `@batch=${ref} :n!u@h PRIVMSG #c :how is `,
    `@batch=${ref};draft/multiline-concat :n!u@h PRIVMSG #c :everyone?`,
    `:n!u@h BATCH -${ref}`,
  ]);
  assert.deepEqual(out.line(WANTS_TAGS).split("\r\n"), [
    "@label=L;msgid=xxx :n!u@h PRIVMSG #c :hello",
    ":n!u@h PRIVMSG #c :how is ",
    ":n!u@h PRIVMSG #c :everyone?",
  ]);
  assert.equal(
    new TextDecoder().decode(out.bytes(0)),
    [
      "@label=L :n!u@h PRIVMSG #c :hello",
      ":n!u@h PRIVMSG #c :how is ",
      ":n!u@h PRIVMSG #c :everyone?",
    ].join("\r\n") + "\r\n",
  );
});
