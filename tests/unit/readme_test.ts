/**
 * The README's lists are the code's: every `chat serve` option in the options table, every
 * capability and every ISUPPORT token in "IRC support". A change to one without the other fails.
 */
import assert from "node:assert/strict";
import { serveCommand } from "../../cli/serve.ts";
import { capabilitiesFor } from "../../server/capabilities.ts";
import { defaultConfig } from "../../server/config.ts";
import { isupportTokens } from "../../server/isupport.ts";

/** Every capability a connection may be offered (a TLS one, with an STS policy: all of them). */
const OFFERED = capabilitiesFor({ secure: true, sts: { port: 6697, durationS: 1 } }).map(([n]) =>
  n
);

const README = await Deno.readTextFile(new URL("../../README.md", import.meta.url));

/** The README section that starts at `heading` and ends at the next heading. */
function section(heading: string): string {
  const start = README.indexOf(heading);
  assert.ok(start >= 0, `README has ${heading}`);
  const end = README.indexOf("\n#", start + heading.length);
  return README.slice(start, end === -1 ? undefined : end);
}

Deno.test("README: every chat serve option has a row in the options table", () => {
  const table = section("## `chat serve`");
  const missing = serveCommand().options.map((o) => o.long!).filter((long) =>
    !table.includes(`| \`${long}`)
  );
  assert.deepEqual(missing, []);
});

Deno.test("README: IRC support lists every capability and ISUPPORT token the server sends", () => {
  const support = section("### IRC support").replace(/\s+/g, " ");
  const caps = OFFERED.filter((c) => !support.includes(c));
  assert.deepEqual(caps, [], "capabilities missing from README");
  const tokens = isupportTokens(defaultConfig()).filter((t) => !support.includes(`\`${t}\``));
  assert.deepEqual(tokens, [], "ISUPPORT tokens missing from README");
});

Deno.test("README: the IRCv3 capability list names exactly the capabilities in CAP LS", () => {
  const support = section("### IRC support");
  const start = support.indexOf("IRCv3 capabilities");
  assert.ok(start >= 0, "README has an IRCv3 capability list");
  const paragraph = support.slice(start, support.indexOf("ISUPPORT (005)", start));
  // each item is a `name`, perhaps with a note in parentheses (whose `code` is no capability)
  const named = [...paragraph.replace(/\([^()]*\)/g, "").matchAll(/`([^`]+)`/g)].map((m) => m[1]);
  assert.deepEqual(named.toSorted(), OFFERED.toSorted());
});
