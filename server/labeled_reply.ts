/**
 * The replies to one command a client labeled (IRCv3 `labeled-response`): held while the command
 * runs, then sent with the label — ACK for none, the label on a single reply, or one
 * `labeled-response` batch. A long reply (LIST, WHO, history) opens its batch early instead and
 * goes out as it comes, so that it is never held whole.
 *
 * @module
 */

import { msg } from "../protocol/message.ts";
import { newBatchId } from "./batch.ts";
import { Outgoing } from "./outgoing.ts";

/** One labeled command's replies. */
export class LabeledReply {
  readonly #label: string;
  /** The client negotiated `batch`. */
  readonly #batches: boolean;
  readonly #server: string;
  /** Replies so far; undefined once they go out as they come. */
  #held: Outgoing[] | undefined = [];
  /** The `labeled-response` batch opened early. */
  #batch: string | undefined;
  /** Going out as they come without a batch: the next line carries the label. */
  #labelNext = false;

  constructor(label: string, batches: boolean, server: string) {
    this.#label = label;
    this.#batches = batches;
    this.#server = server;
  }

  /** A line for the client while the command runs: undefined when held, else the line to send. */
  add(out: Outgoing): Outgoing | undefined {
    if (this.#held) {
      this.#held.push(out);
      return undefined;
    }
    if (this.#batch !== undefined) return this.#inBatch(out);
    if (!this.#labelNext) return out;
    this.#labelNext = false;
    return out.with({ label: this.#label });
  }

  /** From now on lines go out as they come; returns the lines to send now. */
  stream(): Outgoing[] {
    const held = this.#held;
    if (!held) return [];
    this.#held = undefined;
    if (this.#batches) {
      const id = this.#batch = newBatchId();
      return [
        this.#line(true, "BATCH", `+${id}`, "labeled-response"),
        ...held.map((o) => this.#inBatch(o)),
      ];
    }
    if (held.length === 0) {
      this.#labelNext = true;
      return [];
    }
    return held.map((out, i) => i === 0 ? out.with({ label: this.#label }) : out);
  }

  /** The command has ended: the lines still to send. */
  finish(): Outgoing[] {
    const held = this.#held;
    if (held) {
      if (held.length > 1 && this.#batches) return [...this.stream(), ...this.finish()];
      this.#held = undefined;
      if (held.length === 0) return [this.#line(true, "ACK")];
      return held.map((out, i) => i === 0 ? out.with({ label: this.#label }) : out);
    }
    if (this.#batch !== undefined) return [this.#line(false, "BATCH", `-${this.#batch}`)];
    return this.#labelNext ? [this.#line(true, "ACK")] : [];
  }

  /** Lines already inside a nested batch (chathistory) keep it; its BATCH lines join ours. */
  #inBatch(out: Outgoing): Outgoing {
    return out.always?.batch ? out : out.with({ batch: this.#batch! });
  }

  #line(labeled: boolean, command: string, ...params: string[]): Outgoing {
    const tags = labeled ? { label: this.#label } : undefined;
    return new Outgoing(msg(command, params, this.#server), { always: tags });
  }
}
