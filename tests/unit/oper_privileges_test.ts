import assert from "node:assert/strict";
import {
  ALL_PRIVILEGES,
  parseOperSpec,
  PRIVILEGES,
  privilegesOf,
} from "../../server/state/oper_privileges.ts";

Deno.test("--oper: NAME:PASSWORD keeps every privilege, and the password may hold ':' and '/'", () => {
  assert.deepEqual(parseOperSpec("root:pw"), { name: "root", password: "pw" });
  assert.deepEqual(parseOperSpec("root:a:b/c"), { name: "root", password: "a:b/c" });
  assert.deepEqual([...privilegesOf({})], [...PRIVILEGES]);
  assert.equal(privilegesOf({}), ALL_PRIVILEGES);
});

Deno.test("--oper: NAME/CLASS:PASSWORD names a built-in class", () => {
  assert.deepEqual(parseOperSpec("mod/moderator:x:y"), {
    name: "mod",
    password: "x:y",
    operClass: "moderator",
  });
  assert.deepEqual([...privilegesOf({ operClass: "moderator" })], ["kill", "kline", "wallops"]);
  assert.deepEqual([...privilegesOf({ operClass: "admin" })], [...PRIVILEGES]);
});

Deno.test("--oper: the class may list privileges joined by '+'", () => {
  const spec = parseOperSpec("helper/kill+see-hosts:pw");
  assert.ok(!("error" in spec));
  assert.deepEqual([...privilegesOf(spec)], ["kill", "see-hosts"]);
});

Deno.test("--oper: an unknown class, an empty name or no password is refused", () => {
  for (
    const bad of [
      "mod/root:pw",
      "mod/toString:pw",
      "mod/kill+:pw",
      "mod/kill,kline:pw",
      "mod/:pw",
      "/admin:pw",
      "root:",
      ":pw",
      "root",
    ]
  ) {
    assert.ok("error" in parseOperSpec(bad), bad);
  }
  const unknown = parseOperSpec("mod/boss:pw");
  assert.ok("error" in unknown && unknown.error.includes("admin, moderator, kill"));
});
