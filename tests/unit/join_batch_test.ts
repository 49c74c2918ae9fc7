import assert from "node:assert/strict";
import { commands, Harness } from "../helpers/harness.ts";

/** A channel just big enough for its JOINs to be held, with everyone's output taken. */
async function bigChannel() {
  const h = await Harness.create();
  return { h, old: await h.bigChannel() };
}

const joins = (lines: string[]) =>
  lines.filter((l) => l.includes(" JOIN ")).map((l) => l.slice(1, 3));

Deno.test("held JOINs reach an old member in order, before anything else sent to it", async () => {
  const { h, old } = await bigChannel();
  const x = await h.user("xa");
  const y = await h.user("ya");
  assert.deepEqual(commands(await x.run("JOIN #big")).slice(0, 2), ["JOIN", "353"]); // own JOIN at once
  await y.run("JOIN #big");
  const lines = await old.runAfter("PING now"); // held until now, or sent by the timer before

  assert.deepEqual(joins(lines), ["xa", "ya"]);
  assert.equal(commands(lines).at(-1), "PONG");
});

Deno.test("a joiner gets only the JOINs after its own, and its own before its NAMES", async () => {
  const { h, old } = await bigChannel();
  const x = await h.user("xb");
  const y = await h.user("yb");
  const own = await x.run("JOIN #big");
  assert.deepEqual(joins(own), ["xb"]);
  await y.run("JOIN #big");
  const later = await x.runAfter("PING now");
  assert.deepEqual(joins(later), ["yb"]);
  await old.run("PING flush");
});

Deno.test("a NICK or PART right after a held JOIN comes after that JOIN", async () => {
  const { h, old } = await bigChannel();
  const x = await h.user("xc");
  const y = await h.user("yc");
  await x.run("JOIN #big");
  await x.run("NICK xc2");
  await y.run("JOIN #big");
  await y.run("PART #big :bye");
  const seen = (await old.runAfter("PING now")).slice(0, -1).map((l) =>
    l.split(" ").slice(0, 2).join(" ")
  );
  assert.deepEqual(seen, [
    ":xc!~xc@10.0.0.65 JOIN",
    ":xc!~xc@10.0.0.65 NICK",
    ":yc!~yc@10.0.0.66 JOIN",
    ":yc!~yc@10.0.0.66 PART",
  ]);
});
