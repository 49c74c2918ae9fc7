import assert from "node:assert/strict";
import {
  type ByteWriter,
  COALESCE_MAX_BYTES,
  Outbox,
  PINNED_RUNS,
  SCRATCH_BYTES,
} from "../../server/outbox.ts";
import { LineSlab } from "../../server/line_slab.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A writer that accepts at most `max` bytes per call and records each call. */
class ChunkyWriter implements ByteWriter {
  calls: string[] = [];
  constructor(readonly max: number) {}
  write(p: Uint8Array): Promise<number> {
    const n = Math.min(p.length, this.max);
    this.calls.push(dec.decode(p.subarray(0, n)));
    return Promise.resolve(n);
  }
}

function events() {
  const seen = { overflow: 0, error: 0 };
  return { seen, events: { overflow: () => seen.overflow++, error: () => seen.error++ } };
}

Deno.test("a burst queued in one task leaves in one write", async () => {
  const w = new ChunkyWriter(1 << 20);
  const { events: ev } = events();
  const box = new Outbox(w, 1024, ev);
  box.push(enc.encode("a\r\n"));
  box.push(enc.encode("b\r\n"));
  box.push(enc.encode("c\r\n"));
  await box.drained();
  assert.deepEqual(w.calls, ["a\r\nb\r\nc\r\n"]);
  assert.equal(box.pendingBytes, 0);
});

Deno.test("partial writes are resumed until everything is written in order", async () => {
  const w = new ChunkyWriter(3);
  const { events: ev } = events();
  const box = new Outbox(w, 1024, ev);
  box.push(enc.encode("hello "));
  box.push(enc.encode("world\r\n"));
  await box.drained();
  assert.equal(w.calls.join(""), "hello world\r\n");
  assert.ok(w.calls.length >= 5);
});

Deno.test("lines queued while a write is in flight are coalesced into the next write", async () => {
  let release!: () => void;
  const calls: string[] = [];
  const writer: ByteWriter = {
    async write(p) {
      calls.push(dec.decode(p));
      if (calls.length === 1) await new Promise<void>((r) => release = r);
      return p.length;
    },
  };
  const { events: ev } = events();
  const box = new Outbox(writer, 1024, ev);
  box.push(enc.encode("1\n"));
  await Promise.resolve();
  await Promise.resolve();
  for (const x of ["2\n", "3\n", "4\n"]) box.push(enc.encode(x));
  release();
  await box.drained();
  assert.deepEqual(calls, ["1\n", "2\n3\n4\n"]);
});

Deno.test("exceeding the limit reports overflow once and drops the unsent queue", async () => {
  const writer: ByteWriter = { write: () => new Promise(() => {}) }; // a peer that never reads
  const { seen, events: ev } = events();
  const box = new Outbox(writer, 10, ev);
  box.push(enc.encode("12345"));
  box.push(enc.encode("67890"));
  box.push(enc.encode("x"));
  box.push(enc.encode("y"));
  assert.equal(seen.overflow, 1);
  assert.equal(box.pendingBytes, 0);
  await Promise.resolve();
});

Deno.test("finish sends a last line after the queue and refuses more", async () => {
  const w = new ChunkyWriter(1 << 20);
  const { events: ev } = events();
  const box = new Outbox(w, 1024, ev);
  box.push(enc.encode("a\n"));
  box.finish(enc.encode("ERROR\n"));
  box.push(enc.encode("late\n"));
  await box.drained();
  assert.equal(w.calls.join(""), "a\nERROR\n");
});

Deno.test("a failing writer reports one error and stops", async () => {
  const writer: ByteWriter = { write: () => Promise.reject(new Error("reset")) };
  const { seen, events: ev } = events();
  const box = new Outbox(writer, 1024, ev);
  box.push(enc.encode("a\n"));
  await box.drained();
  box.push(enc.encode("b\n"));
  await box.drained();
  assert.equal(seen.error, 1);
});

Deno.test("after a write, what comes within the window leaves together; a big burst at once", async () => {
  const w = new ChunkyWriter(1 << 20);
  const { events: ev } = events();
  const box = new Outbox(w, 1 << 20, ev);
  box.push(enc.encode("first\n"));
  await box.drained();
  assert.deepEqual(w.calls, ["first\n"]); // a quiet connection is written to at once
  box.push(enc.encode("a\n"));
  await Promise.resolve();
  box.push(enc.encode("b\n"));
  await Promise.resolve();
  assert.equal(w.calls.length, 1, "cooling: nothing written yet");
  await box.drained(); // the shared window ends
  assert.deepEqual(w.calls, ["first\n", "a\nb\n"]);
  const big = enc.encode("z".repeat(COALESCE_MAX_BYTES));
  box.push(big); // over the cooling budget: no waiting for the window
  await Promise.resolve();
  await Promise.resolve();
  assert.equal(w.calls.length, 3);
});

Deno.test("adjacent lines of a shared slab leave as one view of it, without a copy", async () => {
  const slab = new LineSlab();
  const seen: Uint8Array[] = [];
  const writer: ByteWriter = {
    write(p) {
      seen.push(p);
      return Promise.resolve(p.length);
    },
  };
  const box = new Outbox(writer, 1 << 20, events().events);
  const lines = ["a", "b", "c"].map((t) => slab.encode(t));
  for (const line of lines) box.push(line);
  await box.drained();
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.buffer, lines[0]!.buffer);
  assert.equal(dec.decode(seen[0]), "a\r\nb\r\nc\r\n");
});

Deno.test("runs from different buffers keep their order, also past the pinned-run limit", async () => {
  const slabs = [new LineSlab(), new LineSlab()];
  const w = new ChunkyWriter(1 << 20);
  const box = new Outbox(w, 1 << 20, events().events);
  let expected = "";
  for (let i = 0; i < PINNED_RUNS * 3 + 1; i++) {
    // alternate buffers, two adjacent lines each: every pair is one run
    for (const t of [`${i}a`, `${i}b`]) {
      box.push(slabs[i % 2]!.encode(t));
      expected += `${t}\r\n`;
    }
  }
  await box.drained();
  assert.equal(w.calls.join(""), expected);
  assert.equal(w.calls.length, 1);
});

Deno.test("runs copied for a write reuse one scratch buffer once each write is complete", async () => {
  const buffers: ArrayBufferLike[] = [];
  const texts: string[] = [];
  const writer: ByteWriter = {
    write(p) {
      const n = Math.min(p.length, 4); // partial writes: the rest must stay intact until done
      buffers.push(p.buffer);
      texts.push(dec.decode(p.subarray(0, n)));
      return Promise.resolve(n);
    },
  };
  const box = new Outbox(writer, 1 << 20, events().events);
  for (const burst of [["ab", "cd", "ef"], ["gh", "ij"]]) {
    for (const s of burst) box.push(enc.encode(s)); // separate buffers: copied into one
    await box.drained(); // the second burst waits for the cooling window, then is written
  }
  assert.deepEqual(texts, ["abcd", "ef", "ghij"]);
  assert.equal(new Set(buffers).size, 1, "both bursts went out of the same scratch buffer");
});

Deno.test("a slow reader's backlog leaves in order, copied at most SCRATCH_BYTES at a time", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  const writes: string[] = [];
  const writer: ByteWriter = {
    async write(p) {
      if (writes.length === 0) await gate; // the first write stalls until the backlog is big
      writes.push(dec.decode(p));
      return p.length;
    },
  };
  const box = new Outbox(writer, 1 << 22, events().events);
  box.push(enc.encode("first\n"));
  const lines: string[] = [];
  for (let i = 0; i < 2000; i++) lines.push(`line ${i} ${"x".repeat(60)}\n`); // own buffers each
  lines.push("y".repeat(SCRATCH_BYTES) + "\n"); // one big run: written as it is
  lines.push("last\n");
  await Promise.resolve();
  for (const line of lines) box.push(enc.encode(line));
  release();
  await box.drained();
  assert.equal(writes.join(""), "first\n" + lines.join(""));
  assert.ok(writes.length > 3, "the backlog was split");
  for (const w of writes) {
    assert.ok(w.length <= SCRATCH_BYTES || w === lines.at(-2), `a write of ${w.length} bytes`);
  }
});

/** A writer whose writes complete one at a time, when the test says so. */
class GatedWriter implements ByteWriter {
  #open: (() => void)[] = [];
  writes = 0;
  write(p: Uint8Array): Promise<number> {
    return new Promise((resolve) =>
      this.#open.push(() => {
        this.writes++;
        resolve(p.length);
      })
    );
  }
  /** Completes the write in flight; resolves once the outbox has reacted. */
  async release(): Promise<void> {
    this.#open.shift()?.();
    for (let i = 0; i < 5; i++) await Promise.resolve();
  }
}

Deno.test("drained(below) resolves once the backlog is down to that size, before it is all out", async () => {
  const w = new GatedWriter();
  const { events: ev } = events();
  const box = new Outbox(w, 1 << 20, ev);
  for (let i = 0; i < 8; i++) box.push(new Uint8Array(SCRATCH_BYTES)); // written one per write
  let done = false;
  box.drained(3 * SCRATCH_BYTES).then(() => done = true);
  await Promise.resolve(); // the first write starts
  for (let i = 0; i < 5; i++) {
    await w.release();
    assert.equal(done, i === 4, `after ${i + 1} writes`);
  }
  assert.equal(box.pendingBytes, 3 * SCRATCH_BYTES);
  let all = false;
  box.drained().then(() => all = true);
  for (let i = 0; i < 3; i++) await w.release();
  assert.ok(all);
  assert.equal(w.writes, 8);
});

Deno.test("beforeWrite can hold the queue: nothing is written until resume, which may go first", async () => {
  const w = new ChunkyWriter(1 << 20);
  let allow = false, asked = 0;
  const { events: ev } = events();
  const box = new Outbox(w, 1024, {
    ...ev,
    beforeWrite: () => {
      asked++;
      return allow;
    },
  });
  box.push(enc.encode("echo\r\n"));
  let drained = false;
  box.drained().then(() => drained = true);
  await new Promise<void>((r) => queueMicrotask(r)); // the flush ran, and was held
  box.push(enc.encode("more\r\n")); // queued behind, without asking again
  await Promise.resolve();
  assert.deepEqual(w.calls, []);
  assert.equal(asked, 1, "asked once per hold");
  assert.equal(drained, false, "held bytes are not drained");
  assert.equal(box.pendingBytes, 12, "they count against the sendq");
  allow = true;
  box.resume(enc.encode("NOTICE first\r\n"));
  await box.drained();
  assert.deepEqual(w.calls, ["NOTICE first\r\necho\r\nmore\r\n"]);
  box.resume(enc.encode("ignored\r\n")); // not held: nothing to resume
  await box.drained();
  assert.equal(w.calls.length, 1);
});
