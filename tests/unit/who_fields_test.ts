import assert from "node:assert/strict";
import { parseWhoOptions, whoFlags, whoxParams } from "../../server/who_fields.ts";
import { Channel, OP } from "../../server/state/channel.ts";
import { User } from "../../server/state/user.ts";

Deno.test("WHO options: o before %, fields in the spec's order, a token of 1-3 digits or 0", () => {
  assert.deepEqual(parseWhoOptions(undefined), { opersOnly: false });
  assert.deepEqual(parseWhoOptions("o"), { opersOnly: true });
  assert.deepEqual(parseWhoOptions("%afnt,42"), {
    opersOnly: false,
    whox: { fields: "tnfa", token: "42" },
  });
  assert.deepEqual(parseWhoOptions("o%rolaldfnshiuct,999").whox, {
    fields: "tcuihsnfdlaor",
    token: "999",
  });
  assert.equal(parseWhoOptions("o%n").opersOnly, true);
  for (const bad of ["%tn,1000", "%tn,-1", "%tn,1a", "%tn,", "%tn", "%tn,4,2"]) {
    assert.equal(parseWhoOptions(bad).whox?.token, "0", bad);
  }
  assert.equal(parseWhoOptions("%NTXn").whox?.fields, "n", "unknown letters are ignored");
});

Deno.test("WHO flags and WHOX fields: away, oper, bot, status; placeholders", () => {
  const user = new User(1, "2001:db8::7", undefined, 0);
  user.setNick("robo");
  user.username = "~robo";
  user.realname = "Beep Boop";
  const channel = new Channel("#c", 0);
  channel.members.set(user, OP);
  user.channels.set(channel.folded, channel);
  assert.equal(whoFlags(user, channel, false), "H@");
  user.setModes("Bo");
  user.away = "out";
  assert.equal(whoFlags(user, channel, false), "G*B@");
  assert.equal(whoFlags(user, undefined, false), "G*B");
  const whox = parseWhoOptions("%tcuihsnfdlaor,5").whox!;
  const context = { whox, channel: undefined, serverName: "s.test", multiPrefix: false };
  assert.deepEqual(whoxParams(user, { ...context, now: 61_000 }), [
    "5",
    "*",
    "~robo",
    "2001:db8::7",
    "2001:db8::7",
    "s.test",
    "robo",
    "G*B",
    "0",
    "61",
    "0",
    "n/a",
    "Beep Boop",
  ]);
  user.hostname = "cloak.example";
  user.account = "Robo";
  const [ip, , , , , , , account] = whoxParams(user, { ...context, now: 0 }).slice(3);
  assert.equal(ip, "255.255.255.255", "an address the host does not show is not disclosed");
  assert.equal(account, "Robo");
});
