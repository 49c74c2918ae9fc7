/**
 * The terminal client's MONITOR of query partners, line by line with no socket: ISUPPORT
 * `MONITOR`, the list kept in step with open queries (`Queries`), and 730/731 shown as presence
 * lines only when they change what was known.
 */
import assert from "node:assert/strict";
import { type Message, parseMessage, serializeMessage } from "../../protocol/message.ts";
import { toEvents } from "../../client/events.ts";
import { Queries } from "../../client/queries.ts";
import { ClientState } from "../../client/state.ts";

function feed(state: ClientState, ...lines: string[]): void {
  for (const line of lines) state.apply(parseMessage(line)!);
}

/** A registered state, with `005 … MONITOR=<monitor>` unless undefined, and its Queries. */
function setup(monitor: string | undefined) {
  const state = new ClientState("alice");
  const sent: string[] = [];
  const queries = new Queries(state, (m: Message) => {
    sent.push(serializeMessage(m));
    return true;
  });
  const token = monitor === undefined ? "" : ` MONITOR${monitor === "" ? "" : `=${monitor}`}`;
  feed(state, ":srv 001 alice :Welcome", `:srv 005 alice NETWORK=x${token} :are supported`);
  return { state, queries, sent };
}

Deno.test("client queries: ISUPPORT MONITOR is read, bare meaning no limit", () => {
  assert.equal(setup("5").state.support.monitor, 5);
  assert.equal(setup("").state.support.monitor, Infinity);
  assert.equal(setup(undefined).state.support.monitor, undefined);
});

Deno.test("client queries: the MONITOR list follows the open queries, within the limit", () => {
  const { state, queries, sent } = setup("2");
  queries.open("bob");
  queries.open("Bob"); // the same query
  queries.open("carol");
  queries.open("dave"); // past the limit: not watched
  assert.deepEqual(sent, ["MONITOR + bob", "MONITOR + carol"]);
  sent.length = 0;
  queries.close("BOB"); // dave gets the room
  assert.deepEqual(sent, ["MONITOR - bob", "MONITOR + dave"]);
  sent.length = 0;
  feed(state, ":carol!c@h NICK caroline"); // a partner renamed: its query and watch follow
  queries.sync();
  assert.deepEqual(state.queries, ["caroline", "dave"]);
  assert.deepEqual(sent, ["MONITOR - carol", "MONITOR + caroline"]);
  sent.length = 0;
  queries.disconnected(); // a new connection: the whole list again
  queries.sync();
  assert.deepEqual(sent, ["MONITOR + caroline,dave"]);
});

Deno.test("client queries: no MONITOR without the server's support", () => {
  const { queries, sent } = setup(undefined);
  queries.open("bob");
  assert.deepEqual(sent, []);
});

Deno.test("client queries: 730/731 show a line per change, in the query when one is open", () => {
  const { state, queries } = setup("100");
  queries.open("bob");
  const shown = (line: string) => {
    const m = parseMessage(line)!;
    const events = toEvents(m, state);
    state.apply(m);
    return events.map((e) => `${e.kind} ${e.conversation ?? "-"} ${e.text}`);
  };
  assert.deepEqual(shown(":srv 730 alice :bob!b@h,carol!c@h"), [
    "presence bob bob is online",
    "presence - carol is online",
  ]);
  assert.deepEqual(shown(":srv 730 alice :bob!b@h"), [], "known already: nothing new");
  assert.deepEqual(shown(":srv 731 alice :Bob"), ["presence bob Bob is offline"]);
  assert.equal(state.presence.get("bob"), false);
});
