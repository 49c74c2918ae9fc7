import assert from "node:assert/strict";
import { InvalidArgumentError } from "@commander-js/extra-typings";
import { collectOrigins } from "../../cli/options.ts";
import { normalizeOrigin, originAllowed } from "../../server/web_origin.ts";

Deno.test("web origin: origins are normalized, anything else is rejected", () => {
  assert.equal(normalizeOrigin("https://Chat.Example.org"), "https://chat.example.org");
  assert.equal(normalizeOrigin("https://chat.example.org:443"), "https://chat.example.org");
  assert.equal(normalizeOrigin("http://localhost:8080/"), "http://localhost:8080");
  for (const bad of ["chat.example.org", "ftp://x.org", "https://x.org/path", "null", ""]) {
    assert.equal(normalizeOrigin(bad), undefined, bad);
  }
});

Deno.test("web origin: its own page and listed origins may connect; no Origin is not a browser", () => {
  const listed = ["https://friend.example"];
  assert.ok(originAllowed(null, "chat.example.org", []));
  assert.ok(originAllowed("https://chat.example.org", "Chat.Example.org:443", []));
  assert.ok(originAllowed("http://127.0.0.1:8080", "127.0.0.1:8080", []));
  // Behind a reverse proxy terminating TLS the page is https while chat sees http: still its own.
  assert.ok(originAllowed("https://chat.example.org", "chat.example.org", []));
  assert.ok(originAllowed("https://friend.example", "chat.example.org", listed));
  assert.ok(originAllowed("https://anyone.example", "chat.example.org", ["*"]));
  // Host and port count.
  assert.ok(!originAllowed("http://127.0.0.1:8081", "127.0.0.1:8080", []));
  assert.ok(!originAllowed("https://chat.example.org.evil.example", "chat.example.org", []));
  assert.ok(!originAllowed("https://evil.example", "chat.example.org", listed));
  assert.ok(!originAllowed("null", "chat.example.org", listed));
  assert.ok(!originAllowed("https://evil.example", null, listed));
});

Deno.test("web origin: --web-origin takes repeats and comma lists, and refuses non-origins", () => {
  let list = collectOrigins("https://a.example, https://B.example:8443", []);
  list = collectOrigins("*", list);
  assert.deepEqual(list, ["https://a.example", "https://b.example:8443", "*"]);
  assert.throws(() => collectOrigins("a.example", []), InvalidArgumentError);
  assert.throws(() => collectOrigins("https://a.example/page", []), InvalidArgumentError);
});
