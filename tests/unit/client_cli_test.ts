import assert from "node:assert/strict";
import { collectChannels, defaultNick, parseNick, parseServer, parseText } from "../../cli/join.ts";
import { describeConnectError, formatAddress } from "../../client/connection.ts";

Deno.test("join options: server addresses", () => {
  assert.deepEqual(parseServer("irc.example.org"), { host: "irc.example.org", port: 6667 });
  assert.deepEqual(parseServer("127.0.0.1:7000"), { host: "127.0.0.1", port: 7000 });
  assert.deepEqual(parseServer("[::1]:6697"), { host: "::1", port: 6697 });
  assert.deepEqual(parseServer("::1"), { host: "::1", port: 6667 });
  for (const bad of ["host:0", "host:99999", "host:abc", "bad host", "", "irc://x"]) {
    assert.throws(() => parseServer(bad), /Expected host or host:port/, bad);
  }
  assert.equal(formatAddress({ host: "::1", port: 1 }), "[::1]:1");
});

Deno.test("join options: nicks, channels, text", () => {
  assert.equal(parseNick("ci-bot"), "ci-bot");
  assert.throws(() => parseNick("9lives"), /not starting with a digit/);
  assert.throws(() => parseNick("has space"), /Expected letters/);
  assert.throws(() => parseNick("x".repeat(31)), /at most 30/);
  assert.deepEqual(collectChannels("ops", []), ["#ops"]);
  assert.deepEqual(collectChannels("#a,b", ["#lobby"]), ["#lobby", "#a", "#b"]);
  assert.deepEqual(collectChannels("#A", ["#a"]), ["#a"], "no duplicates");
  assert.deepEqual(collectChannels("&local", []), ["&local"]);
  assert.throws(() => collectChannels("#bad name", []), /Expected channel names/);
  assert.throws(() => parseText("two\nlines"), /one line/);
  assert.equal(parseText("Real Name"), "Real Name");
});

Deno.test("join options: the default nick is the login name made valid", () => {
  assert.equal(defaultNick("alice"), "alice");
  assert.equal(defaultNick("john.doe"), "john_doe");
  assert.equal(defaultNick("1337"), "u1337");
  assert.equal(defaultNick(undefined), "guest");
  assert.equal(defaultNick(""), "guest");
});

Deno.test("connection errors are one plain line", () => {
  const addr = { host: "irc.example.org", port: 6667 };
  const refused = describeConnectError(
    new Deno.errors.ConnectionRefused("Connection refused (os error 111)"),
    addr,
  );
  assert.deepEqual(refused, {
    kind: "refused",
    message: "cannot connect to irc.example.org:6667: connection refused",
  });
  const dns = describeConnectError(
    new Error("failed to lookup address information: Name or service not known"),
    addr,
  );
  assert.deepEqual(dns, { kind: "dns", message: "cannot resolve host name irc.example.org" });
  assert.equal(describeConnectError(new Deno.errors.TimedOut("x"), addr).kind, "timeout");
  const other = describeConnectError(new Error("Permission denied (os error 13)"), addr);
  assert.equal(other.message, "cannot connect to irc.example.org:6667: Permission denied");
});
