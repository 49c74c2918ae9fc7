/** The REDACT rules (server/redaction.ts): who may delete what, and the fallback NOTICE text. */
import assert from "node:assert/strict";
import { agoText, fallbackText, isOwnMessage, redactVerdict } from "../../server/redaction.ts";
import type { StoredMessage } from "../../server/store/history.ts";

const HOUR = 3600 * 1000;

function message(over: Partial<StoredMessage> = {}): StoredMessage {
  return {
    msgid: "m1",
    time: 1_000_000,
    target: "#c",
    source: "Alice!~a@host",
    command: "PRIVMSG",
    text: "hi",
    ...over,
  };
}

const stranger = { account: "mallory", source: "mallory!~m@evil", channelOp: false };

Deno.test("own messages: by account (casemapped), or by exact source when sent without one", () => {
  const m = message({ account: "Alice" });
  assert.equal(isOwnMessage(m, { account: "alice", source: "x!y@z", channelOp: false }), true);
  assert.equal(isOwnMessage(m, { account: undefined, source: m.source, channelOp: false }), false);
  const guest = message();
  assert.equal(
    isOwnMessage(guest, { account: undefined, source: m.source, channelOp: false }),
    true,
  );
  assert.equal(
    isOwnMessage(guest, { account: undefined, source: "Alice!~a@other", channelOp: false }),
    false,
  );
});

Deno.test("verdicts: sender inside the window, expired after it, ops always, others never", () => {
  const m = message({ account: "alice" });
  const alice = { account: "alice", source: "alice!~a@host", channelOp: false };
  assert.equal(redactVerdict(m, alice, m.time + HOUR, HOUR), "allowed");
  assert.equal(redactVerdict(m, alice, m.time + HOUR + 1, HOUR), "expired");
  assert.equal(redactVerdict(m, alice, m.time + 100 * HOUR, 0), "allowed", "0: no window");
  assert.equal(redactVerdict(m, stranger, m.time, HOUR), "forbidden");
  assert.equal(
    redactVerdict(m, { ...stranger, channelOp: true }, m.time + 100 * HOUR, HOUR),
    "allowed",
  );
});

Deno.test("the fallback NOTICE says who deleted whose message, how long ago, and why", () => {
  const m = message();
  assert.equal(
    fallbackText("alice", m, m.time + 5000, undefined),
    "alice deleted their message from 5 seconds ago",
  );
  assert.equal(
    fallbackText("op", m, m.time + 2 * HOUR, "spam"),
    "op deleted a message from Alice from 2 hours ago: spam",
  );
  assert.deepEqual([agoText(1000), agoText(90_000), agoText(36 * HOUR)], [
    "1 second",
    "2 minutes",
    "2 days",
  ]);
});
