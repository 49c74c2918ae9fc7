/**
 * SEARCH over SQLite history (store/history_search.ts) and the words it is given
 * (store/search_text.ts): scope, sender, time window, limit, FTS5 syntax typed by a client, and
 * deletions that take their messages out of the index.
 */
import assert from "node:assert/strict";
import { nextMsgid } from "../../server/msgid.ts";
import { openDatabase } from "../../server/store/database.ts";
import type { SearchQuery, SearchScope, StoredMessage } from "../../server/store/history.ts";
import { fromPattern } from "../../server/store/history_search.ts";
import { SqliteHistory } from "../../server/store/sqlite_history.ts";
import {
  containsWords,
  ftsMatch,
  MAX_SEARCH_WORDS,
  searchWords,
} from "../../server/store/search_text.ts";

function message(time: number, target: string, nick: string, text: string): StoredMessage {
  return {
    msgid: nextMsgid(time),
    time,
    target,
    source: `${nick}!u@h`,
    command: "PRIVMSG",
    text,
  };
}

/** #a and #b, and alice's (owner `alice@1`) private copy of a conversation with bob. */
function fixture(): SqliteHistory {
  const h = new SqliteHistory(openDatabase(":memory:"));
  h.append("#a", message(1000, "#a", "alice", "the quick brown fox"));
  h.append("#a", message(2000, "#a", "Bob[1]", "a quick reply"));
  h.append("#b", message(3000, "#b", "carol", "quick in another channel"));
  h.append("~alice@1 bob", message(4000, "bob", "alice", "a quick private word"));
  h.append("~mallory@1 alice", message(5000, "alice", "mallory", "quick copy of mallory"));
  h.append("#a", message(6000, "#a", "alice", "slow and steady"));
  return h;
}

const texts = (ms: StoredMessage[]) => ms.map((m) => m.text);
const words = (text: string) => searchWords(text) as string[];
const query = (q: Partial<SearchQuery>): SearchQuery => ({ limit: 100, ...q });

Deno.test("search by words finds only the scope's messages, oldest first", () => {
  const h = fixture();
  const scope: SearchScope = { conversations: ["#a"], owner: "alice@1" };
  assert.deepEqual(texts(h.search(scope, query({ words: words("QUICK") }))), [
    "the quick brown fox",
    "a quick reply",
    "a quick private word",
  ]);
  assert.deepEqual(texts(h.search({ conversations: ["#b"] }, query({ words: words("quick") }))), [
    "quick in another channel",
  ]);
  // every word must be there; no owner: no private copies
  assert.deepEqual(
    texts(h.search({ conversations: ["#a", "#b"] }, query({ words: words("quick fox") }))),
    ["the quick brown fox"],
  );
  assert.deepEqual(h.search({ conversations: [] }, query({ words: words("quick") })), []);
});

Deno.test("search: sender by casemap, time window inclusive, newest or oldest `limit`", () => {
  const h = fixture();
  const scope: SearchScope = { conversations: ["#a", "#b"], owner: "alice@1" };
  for (const from of ["bob{1}", "BOB[1]"]) {
    assert.deepEqual(texts(h.search(scope, query({ from }))), ["a quick reply"], from);
  }
  assert.deepEqual(texts(h.search(scope, query({ from: "bob" }))), [], "a nick, not a prefix");
  assert.deepEqual(
    texts(h.search(scope, query({ words: words("quick"), after: 2000, before: 3000 }))),
    ["a quick reply", "quick in another channel"],
  );
  assert.deepEqual(texts(h.search(scope, query({ words: words("quick"), limit: 2 }))), [
    "quick in another channel",
    "a quick private word",
  ]);
  assert.deepEqual(texts(h.search(scope, query({ after: 0, limit: 2 }))), [
    "the quick brown fox",
    "a quick reply",
  ]);
  assert.deepEqual(texts(h.search(scope, query({ limit: 2 }))), [
    "a quick private word",
    "slow and steady",
  ]);
});

Deno.test("search: FTS5 syntax a client types is words, never an error", () => {
  const h = fixture();
  h.append("#a", message(7000, "#a", "eve", 'he said "quick" AND left (NEAR the door*)'));
  const scope = { conversations: ["#a"] };
  for (const text of ['"', 'AND OR NOT "', "NEAR(quick fox)", "text:quick", "quick*", "^quick"]) {
    const asked = searchWords(text);
    if ("problem" in asked) continue;
    h.search(scope, query({ words: asked })); // no throw
  }
  assert.deepEqual(texts(h.search(scope, query({ words: words('"quick" AND') }))), [
    'he said "quick" AND left (NEAR the door*)',
  ]);
  assert.deepEqual(texts(h.search(scope, query({ words: words("door*") }))), [
    'he said "quick" AND left (NEAR the door*)',
  ]);
});

Deno.test("search: pruned and forgotten messages are not found", async () => {
  const h = fixture();
  const scope: SearchScope = { conversations: ["#a", "#b"], owner: "alice@1" };
  await h.prune({ maxAgeMs: 1, maxPerConversation: 0 }, 2500);
  assert.deepEqual(texts(h.search(scope, query({ words: words("quick") }))), [
    "quick in another channel",
    "a quick private word",
  ]);
  h.forget("#b");
  h.forgetOwner("alice@1");
  while (h.maintaining) h.maintain(1000);
  assert.deepEqual(h.search(scope, query({ words: words("quick") })), []);
  assert.deepEqual(texts(h.search(scope, query({ words: words("steady") }))), ["slow and steady"]);
});

Deno.test("search: messages stored before the index existed are indexed by the migration", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/v5.db`;
    const db = openDatabase(path);
    db.exec(`DROP TRIGGER messages_fts_insert; DROP TRIGGER messages_fts_delete;
      DROP TRIGGER messages_fts_update; DROP TABLE messages_fts; PRAGMA user_version = 5;
      ALTER TABLE channels DROP COLUMN ban_exceptions;
      ALTER TABLE channels DROP COLUMN invite_exceptions;
      INSERT INTO messages (msgid, time, conversation, target, source, command, text)
        VALUES ('${nextMsgid(7)}', 7, '#c', '#c', 'a!u@h', 'PRIVMSG', 'from before search');`);
    db.close();
    const h = new SqliteHistory(openDatabase(path));
    const found = h.search({ conversations: ["#c"] }, query({ words: words("before") }));
    assert.deepEqual(texts(found), ["from before search"]);
    await h.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("search words: quoted for FTS5, bounded, and matched as substrings by Redis", () => {
  assert.deepEqual(searchWords("  hello   wörld "), ["hello", "wörld"]);
  assert.ok("problem" in (searchWords("*** ! ") as object), "no letters or digits");
  assert.ok("problem" in (searchWords("") as object));
  const many = Array.from({ length: MAX_SEARCH_WORDS + 1 }, (_, i) => `w${i}`).join(" ");
  assert.ok("problem" in (searchWords(many) as object));
  assert.deepEqual(searchWords("!!! yes"), ["yes"], "a word of punctuation only is dropped");
  assert.equal(ftsMatch(['say"hi', "AND"]), '"say""hi" "AND"');
  assert.ok(containsWords("Hello World", ["world", "HELLO"]));
  assert.ok(!containsWords("Hello World", ["world", "bye"]));
  assert.equal(fromPattern("a_b%[x]"), "a\\_b\\%_x_!%");
});

Deno.test("redact: a message found by msgid is deleted from each copy and from the index", () => {
  const h = fixture();
  const sent = message(7000, "bob", "alice", "a regrettable private word");
  h.append("~alice@1 bob", sent);
  h.append("~bob@1 alice", sent);
  const other = message(8000, "#a", "alice", "regrettable but kept");
  h.append("#a", other);
  // still queued: find commits first
  assert.equal(h.find("~alice@1 bob", sent.msgid)?.text, "a regrettable private word");
  assert.equal(h.find("#a", sent.msgid), undefined, "only in its conversations");
  assert.equal(h.find("#a", "not-a-msgid"), undefined);
  h.redact(["~alice@1 bob", "~bob@1 alice"], sent.msgid);
  for (const owner of ["alice@1", "bob@1"]) {
    const found = h.search(
      { conversations: ["#a"], owner },
      query({ words: words("regrettable") }),
    );
    assert.deepEqual(texts(found), ["regrettable but kept"]);
  }
  assert.equal(h.find("~bob@1 alice", sent.msgid), undefined);
  assert.deepEqual(texts(h.latest("~alice@1 bob", "*", 10)), ["a quick private word"]);
});

Deno.test("redact: a message still queued is deleted before it is ever stored", () => {
  const h = fixture();
  const queued = message(9000, "#b", "carol", "never stored");
  h.append("#b", queued);
  h.redact(["#b"], queued.msgid);
  assert.deepEqual(texts(h.latest("#b", "*", 10)), ["quick in another channel"]);
});
