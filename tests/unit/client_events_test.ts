import assert from "node:assert/strict";
import { parseMessage } from "../../protocol/message.ts";
import { type ChatEvent, mentions, messageTime, toEvents } from "../../client/events.ts";
import { ClientState } from "../../client/state.ts";

const NOW = new Date("2024-05-01T12:00:00Z");

function stateWithLobby(): ClientState {
  const s = new ClientState("alice");
  for (
    const l of [
      ":srv 001 alice :Welcome",
      ":alice!a@h JOIN #lobby",
      ":srv 353 alice = #lobby :alice bob carol",
      ":srv 366 alice #lobby :End",
      ":alice!a@h JOIN #dev",
      ":srv 353 alice = #dev :alice bob",
      ":srv 366 alice #dev :End",
    ]
  ) s.apply(parseMessage(l)!);
  return s;
}

function one(line: string, s = stateWithLobby()): ChatEvent {
  const events = toEvents(parseMessage(line)!, s, NOW);
  assert.equal(events.length, 1, line);
  return events[0]!;
}

Deno.test("events: channel and private messages, own and mentions", () => {
  const e = one(":bob!b@h PRIVMSG #lobby :hello there");
  assert.deepEqual(
    { ...e },
    {
      kind: "message",
      time: NOW,
      text: "hello there",
      conversation: "#lobby",
      target: "#lobby",
      from: "bob",
      own: false,
      private: false,
      fromServer: false,
      mention: false,
    },
  );
  assert.equal(one(":bob!b@h PRIVMSG #lobby :Alice: look").mention, true);
  assert.equal(one(":bob!b@h PRIVMSG #lobby :malice aforethought").mention, false);
  const priv = one(":bob!b@h PRIVMSG alice :psst");
  assert.equal(priv.private, true);
  assert.equal(priv.conversation, "bob");
  const own = one(":alice!a@h PRIVMSG bob :hi bob");
  assert.equal(own.own, true);
  assert.equal(own.conversation, "bob", "an echoed private message belongs to the recipient");
  assert.equal(own.mention, false);
});

Deno.test("events: server-time is used when present", () => {
  const e = one("@time=2024-01-02T03:04:05.678Z :bob!b@h PRIVMSG #lobby :old news");
  assert.equal(e.time.toISOString(), "2024-01-02T03:04:05.678Z");
  assert.equal(messageTime(parseMessage("@time=garbage PING x")!, NOW), NOW);
});

Deno.test("events: actions, notices, CTCP requests, server notices", () => {
  const action = one(":bob!b@h PRIVMSG #lobby :\x01ACTION waves at alice\x01");
  assert.equal(action.kind, "action");
  assert.equal(action.text, "waves at alice");
  assert.equal(action.mention, true);
  const notice = one(":bob!b@h NOTICE alice :note this");
  assert.equal(notice.kind, "notice");
  assert.equal(notice.private, true);
  const server = one(":irc.example.org NOTICE * :*** Looking up your hostname");
  assert.equal(server.kind, "notice");
  assert.equal(server.fromServer, true);
  assert.equal(server.conversation, undefined);
  assert.equal(one(":bob!b@h PRIVMSG alice :\x01VERSION\x01").text, "bob asked for CTCP VERSION");
});

Deno.test("events: presence lines know the channels before the state changes", () => {
  assert.equal(one(":carol!c@h QUIT :bye").conversation, "#lobby");
  assert.equal(one(":bob!b@h QUIT :bye").conversation, undefined, "bob shares two channels");
  assert.equal(one(":carol!c@h QUIT :bye").text, "carol quit (bye)");
  assert.equal(one(":dan!d@host JOIN #lobby").text, "dan (d@host) joined #lobby");
  assert.equal(one(":alice!a@h JOIN #new").text, "You joined #new");
  assert.equal(one(":bob!b@h PART #dev :later").text, "bob left #dev (later)");
  assert.equal(one(":bob!b@h NICK robert").text, "bob is now known as robert");
  assert.equal(one(":alice!a@h NICK al").text, "You are now known as al");
  const kick = one(":bob!b@h KICK #dev alice :behave");
  assert.equal(kick.kind, "error");
  assert.equal(kick.text, "You were kicked from #dev by bob (behave)");
  assert.equal(one(":bob!b@h MODE #dev +o carol").kind, "presence");
});

Deno.test("events: numerics become readable info and errors", () => {
  assert.equal(one(":srv 001 alice :Welcome to the network").text, "Welcome to the network");
  assert.deepEqual(
    toEvents(parseMessage(":srv 005 alice A B :are supported")!, stateWithLobby()),
    [],
  );
  const names = one(":srv 366 alice #lobby :End of /NAMES list");
  assert.equal(names.text, "Users in #lobby (0): ", "no pending NAMES after the join completed");
  const s = stateWithLobby();
  s.apply(parseMessage(":srv 353 alice = #lobby :@bob alice")!);
  assert.equal(one(":srv 366 alice #lobby :End", s).text, "Users in #lobby (2): @bob alice");
  const err = one(":srv 404 alice #lobby :Cannot send to channel");
  assert.equal(err.kind, "error");
  assert.equal(err.text, "#lobby: Cannot send to channel");
  assert.equal(err.conversation, "#lobby");
  assert.equal(
    one(":srv 401 alice nobody :No such nick/channel").text,
    "nobody: No such nick/channel",
  );
  assert.equal(one(":srv 422 alice :MOTD File is missing").kind, "info");
  assert.equal(
    one(":srv 311 alice bob ~b host.example * :Bob Smith").text,
    "bob is ~b@host.example (Bob Smith)",
  );
  assert.equal(one(":srv 322 alice #dev 2 :dev talk").text, "#dev (2 users): dev talk");
  assert.equal(
    one(":srv 352 alice #dev ~b host srv bob H@ :0 Bob Smith").text,
    "#dev bob H@ ~b@host (Bob Smith)",
  );
  assert.equal(one(":srv 332 alice #dev :the topic").text, "Topic of #dev: the topic");
  assert.equal(one("ERROR :Closing Link").kind, "error");
  assert.deepEqual(toEvents(parseMessage("PING :x")!, stateWithLobby()), []);
});

Deno.test("events: ban, exception and invite lists show in their channel, their ends hidden", () => {
  for (const code of ["367", "348", "346"]) {
    const entry = one(`:srv ${code} alice #dev friend!*@* bob!b@h 1714564800`);
    assert.equal(entry.conversation, "#dev", code);
  }
  for (const line of [":srv 349 alice #dev :End of list", ":srv 347 alice #dev :End of list"]) {
    assert.deepEqual(toEvents(parseMessage(line)!, stateWithLobby()), [], line);
  }
});

Deno.test("events: control characters from the network never reach the screen", () => {
  const e = one(":bob!b@h PRIVMSG #lobby :\x1b]0;pwned\x07\x02hi\x02");
  assert.equal(e.text, "]0;pwnedhi");
});

Deno.test("mentions: whole words only, IRC case folding", () => {
  assert.ok(mentions("hey alice!", "alice"));
  assert.ok(mentions("ALICE", "alice"));
  assert.ok(mentions("{x}: hi", "[x]"));
  assert.ok(!mentions("alice_ is here", "alice"));
  assert.ok(!mentions("", "alice"));
});
