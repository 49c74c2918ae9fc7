import assert from "node:assert/strict";
import { parseMessage } from "../../protocol/message.ts";
import { dispatch } from "../../server/command_table.ts";
import { COMMANDS } from "../../server/commands/index.ts";
import { Context } from "../../server/context.ts";
import { partBytes, SMALL_REPLY_BYTES } from "../../server/long_reply.ts";
import type { Outgoing } from "../../server/outgoing.ts";
import type { Sink } from "../../server/state/session.ts";
import { User } from "../../server/state/user.ts";
import { Harness } from "../helpers/harness.ts";

const SENDQ = 16 * 1024;
const decoder = new TextDecoder();

/**
 * A client with a send queue that reads everything queued whenever the server waits for room
 * (or leaves instead): how much was ever queued at once is what the sendq would have held.
 */
class QueuedClient implements Sink {
  readonly user: User;
  readonly ctx: Context;
  lines: string[] = [];
  queued = 0;
  maxQueued = 0;
  waits = 0;
  /** Leave at this wait instead of reading. */
  leaveAt = Infinity;
  #left = false;

  constructor(h: Harness) {
    this.user = new User(1000, "10.9.9.9", this);
    this.ctx = new Context(this.user, this.user.sessions[0]!, h.hub, h.info, h.stores);
  }

  async run(line: string): Promise<void> {
    await dispatch(COMMANDS, this.ctx, parseMessage(line)!);
  }

  #queue(size: number, line: string): void {
    this.queued += size;
    this.maxQueued = Math.max(this.maxQueued, this.queued);
    this.lines.push(line);
  }

  send(out: Outgoing): void {
    const { variant } = this.user.sessions[0]!;
    this.#queue(out.bytes(variant).length, out.line(variant));
  }

  sendBytes(bytes: Uint8Array): boolean {
    for (const line of decoder.decode(bytes).split("\r\n")) if (line) this.#queue(0, line);
    this.queued += bytes.length;
    this.maxQueued = Math.max(this.maxQueued, this.queued);
    return true;
  }

  terminate(): void {}

  drained(below: number): boolean | Promise<boolean> {
    if (this.#left) return false;
    if (this.queued <= below) return true;
    if (++this.waits >= this.leaveAt) {
      this.#left = true;
      return Promise.resolve(false);
    }
    this.queued = 0; // the client reads what was queued
    return Promise.resolve(true);
  }
}

async function bigChannel() {
  const h = await Harness.create({ limits: { sendqBytes: SENDQ, maxChannels: 1000 } });
  const op = await h.user("op");
  await op.run("JOIN #big");
  for (let i = 0; i < 600; i++) {
    await (await h.user(`member${i}`.padEnd(28, "_"))).run("JOIN #big");
  }
  for (let i = 0; i < 300; i++) await op.run(`JOIN #room${i}`);
  const q = new QueuedClient(h);
  await q.run("NICK asker");
  await q.run("USER asker 0 * :A");
  await q.run("JOIN #big");
  return { h, q };
}

Deno.test("long replies go out in parts: the queue never holds more than half the sendq", async () => {
  assert.equal(partBytes(SENDQ), SMALL_REPLY_BYTES);
  const { q } = await bigChannel();
  const limit = 2 * partBytes(SENDQ);
  for (
    const [command, end, lines] of [
      ["NAMES #big", "366", 46], // ~18 KB of 353 lines, as one block cut at line ends
      ["WHO #big", "315", 603], // ~60 KB
      ["LIST", "323", 303], // 301 channels and 321
    ] as const
  ) {
    q.lines = [];
    q.queued = q.maxQueued = q.waits = 0;
    await q.run(command);
    assert.equal(parseMessage(q.lines.at(-1)!)!.command, end, command);
    assert.ok(q.lines.length >= lines, `${command}: ${q.lines.length} lines`);
    assert.ok(q.waits > 0, `${command} waited for room`);
    assert.ok(q.maxQueued <= limit, `${command}: ${q.maxQueued} bytes queued at once`);
  }
});

Deno.test("a client that leaves mid-reply ends it: nothing more is made or sent", async () => {
  const { q } = await bigChannel();
  q.lines = [];
  q.leaveAt = 2;
  await q.run("WHO #big");
  assert.ok(q.lines.length < 100, `${q.lines.length} lines`);
  assert.ok(!q.lines.some((l) => parseMessage(l)!.command === "315"));
});
