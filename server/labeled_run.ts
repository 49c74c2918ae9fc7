/**
 * Running a command a client labeled (IRCv3 `labeled-response`): its replies are held in a
 * `LabeledReply` (labeled_reply.ts) while it runs and go out with the label once it has, after
 * the echoes it is owed (a cluster node gives a message's echo when Redis answers); echoes owed to
 * earlier commands go out first, unlabeled, as they are no reply to this one. A multiline batch's
 * opening line answers nothing yet: its label waits for the batch's end.
 *
 * @module
 */

import type { Message } from "../protocol/message.ts";
import { type CommandTable, dispatch } from "./command_table.ts";
import type { Context } from "./context.ts";
import { LabeledReply } from "./labeled_reply.ts";
import type { Outgoing } from "./outgoing.ts";
import { settledWithin } from "../util/within.ts";

/** How long a labeled PRIVMSG's reply waits for its echo from Redis before going without it. */
const ECHO_WAIT_MS = 5000;

/** What a labeled run needs from its connection (session_driver.ts). */
export interface LabeledHost {
  readonly ctx: Context;
  readonly commands: CommandTable;
  /** Queues a message as it is (labels and batches already on it). */
  deliver(out: Outgoing): void;
  /** A command failed: logged, and the connection ended or told. */
  crash(err: unknown, what: string): void;
  /** Whether the connection has ended: nothing more goes out. */
  ended(): boolean;
}

/** The labeled commands of one connection, one at a time. */
export class LabeledRuns {
  /** Replies to the labeled command running, held until it has run (or streamed when long). */
  current: LabeledReply | undefined;
  readonly #host: LabeledHost;

  constructor(host: LabeledHost) {
    this.#host = host;
  }

  /** Runs `message` with `label`; a promise while it (or the echoes it waits for) is under way. */
  run(message: Message, label: string): void | Promise<void> {
    const earlier = this.#host.ctx.session.echoesSettled();
    if (!earlier) return this.#run(message, label);
    return this.#awaitEchoes(earlier).then(() => this.#run(message, label));
  }

  #run(message: Message, label: string): void | Promise<void> {
    const { ctx, commands } = this.#host;
    if (this.#host.ended()) return;
    const open = ctx.session.batch;
    this.current = new LabeledReply(label, ctx.session.caps.has("batch"), ctx.server.name);
    try {
      const result = dispatch(commands, ctx, message);
      if (ctx.session.batch && ctx.session.batch !== open) {
        ctx.session.batch.label = label; // a multiline batch opened: nothing to answer yet
        this.current = undefined;
      }
      if (!result) return this.#answer();
      return result.catch((err) => this.#host.crash(err, message.command))
        .finally(() => this.#answer());
    } catch (err) {
      this.current = undefined;
      this.#host.crash(err, message.command);
    }
  }

  /** The command has run: what is left of its replies goes out, once its echoes came back. */
  #answer(): void | Promise<void> {
    const owed = this.#host.ctx.session.echoesSettled();
    if (owed) return this.#awaitEchoes(owed).then(() => this.#finish());
    this.#finish();
  }

  /** Waits a bounded time for the echoes owed; those still owed then are not waited for again. */
  async #awaitEchoes(owed: Promise<void>): Promise<void> {
    await settledWithin(owed, ECHO_WAIT_MS);
    this.#host.ctx.session.forgetEchoes();
  }

  #finish(): void {
    const labeled = this.current;
    this.current = undefined;
    if (this.#host.ended() || !labeled) return;
    for (const out of labeled.finish()) this.#host.deliver(out);
  }
}
