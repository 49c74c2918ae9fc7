import assert from "node:assert/strict";
import { parseMessage } from "../../protocol/message.ts";
import { ClientState } from "../../client/state.ts";

function feed(state: ClientState, ...lines: string[]): void {
  for (const line of lines) state.apply(parseMessage(line)!);
}

function joined(): ClientState {
  const s = new ClientState("alice");
  feed(
    s,
    ":srv 001 alice :Welcome",
    ":srv 005 alice PREFIX=(qov)~@+ CHANTYPES=#& CHANMODES=b,k,l,imnst NETWORK=Test :are supported",
    ":alice!a@h JOIN #lobby",
    ":srv 353 alice = #lobby :~alice @bob +carol dave",
    ":srv 366 alice #lobby :End of /NAMES list",
  );
  return s;
}

Deno.test("state: registration, ISUPPORT and NAMES build the member list", () => {
  const s = joined();
  assert.equal(s.registered, true);
  assert.equal(s.support.network, "Test");
  assert.equal(s.support.prefixSymbols, "~@+");
  assert.deepEqual(s.windows(), ["#lobby"]);
  assert.equal(s.current, "#lobby", "the first joined channel becomes current");
  assert.deepEqual(s.membersOf("#LOBBY"), ["alice", "bob", "carol", "dave"]);
  assert.deepEqual(s.namesOf("#lobby"), ["~alice", "@bob", "+carol", "dave"]);
  assert.ok(s.isChannel("&local") && !s.isChannel("bob"));
});

Deno.test("state: joins, parts, kicks, quits and nick changes", () => {
  const s = joined();
  feed(s, ":erin!e@h JOIN #lobby", ":bob!b@h PART #lobby :bye", ":carol!c@h QUIT :gone");
  assert.deepEqual(s.membersOf("#lobby"), ["alice", "dave", "erin"]);
  feed(s, ":dave!d@h NICK Dave2");
  assert.deepEqual(s.membersOf("#lobby"), ["alice", "Dave2", "erin"]);
  assert.deepEqual(s.channelsOf("dave2"), ["#lobby"]);
  feed(s, ":alice!a@h NICK alicia");
  assert.equal(s.nick, "alicia");
  assert.ok(s.isMe("ALICIA"));
  feed(s, ":alicia!a@h JOIN #dev", ":erin!e@h KICK #lobby alicia :out");
  assert.deepEqual(s.windows(), ["#dev"]);
  assert.equal(s.current, "#dev", "leaving the current channel moves to the next window");
});

Deno.test("state: MODE changes status prefixes, skipping other modes' parameters", () => {
  const s = joined();
  feed(s, ":alice!a@h MODE #lobby +kov-v secret dave dave carol");
  assert.deepEqual(s.namesOf("#lobby"), ["~alice", "@bob", "@dave", "carol"]);
  feed(s, ":alice!a@h MODE #lobby -o+l bob 10");
  assert.deepEqual(s.namesOf("#lobby"), ["~alice", "@dave", "bob", "carol"]);
});

Deno.test("state: topics, queries, switch-on-join and reconnect reset", () => {
  const s = joined();
  feed(s, ":srv 332 alice #lobby :Welcome all", ":bob!b@h TOPIC #lobby :New topic");
  assert.equal(s.channel("#lobby")?.topic, "New topic");
  assert.equal(s.openQuery("Bob"), "Bob");
  assert.equal(s.openQuery("bob"), "Bob");
  s.switchOnJoin.add("#dev");
  feed(s, ":alice!a@h JOIN #Dev");
  assert.equal(s.current, "#Dev");
  assert.deepEqual(s.windows(), ["#lobby", "#Dev", "Bob"]);
  feed(s, ":bob!b@h NICK robert");
  assert.deepEqual(s.queries, ["robert"]);
  s.current = "robert";
  s.closeQuery("ROBERT");
  assert.equal(s.current, "#lobby");
  const rejoin = s.disconnected();
  assert.deepEqual(rejoin, ["#lobby", "#Dev"]);
  assert.equal(s.registered, false);
  assert.deepEqual(s.windows(), []);
  assert.equal(s.current, "#lobby", "the current target survives a reconnect");
});

Deno.test("state: userhost-in-names and multi-prefix entries", () => {
  const s = new ClientState("me");
  feed(
    s,
    ":srv 001 me :hi",
    ":me!m@h JOIN #c",
    ":srv 353 me = #c :@+op!o@host +voice!v@host me!m@h",
    ":srv 366 me #c :End",
  );
  assert.deepEqual(s.namesOf("#c"), ["@op", "+voice", "me"]);
  assert.equal(s.channel("#c")?.members.get("op")?.prefixes, "@+");
});
