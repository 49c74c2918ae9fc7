/**
 * Pipe mode, for scripts and bots: every stdin line goes to the first channel, received
 * messages are printed as plain `[time] #chan <nick> text` lines, and at EOF a PING/PONG round
 * trip makes sure the server has processed everything before QUIT. Exit status 0 means every
 * line was delivered without the server answering with an error numeric.
 *
 * @module
 */

import { textMessages } from "./commands.ts";
import { plainLine } from "./format.ts";
import { sanitize } from "./text.ts";
import { ChatSession, type SessionConfig } from "./session.ts";

/** Where pipe mode reads and writes (stdin/stdout/stderr in production, arrays in tests). */
export interface PipeIO {
  /** Input lines without their line endings. */
  lines: AsyncIterable<string>;
  /** One line for stdout. */
  out(line: string): void;
  /** One line for stderr. */
  err(line: string): void;
}

/** How long to wait at EOF for the server to confirm it has everything. */
const EOF_READY_TIMEOUT_MS = 60_000;
/** Queue depth at which reading stdin pauses until the queue drains (pacing backpressure). */
const MAX_QUEUED = 16;

/** Splits a byte stream into lines (LF or CRLF); a last line without LF counts too. */
export async function* readLines(stream: ReadableStream<Uint8Array>): AsyncIterable<string> {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    rest += chunk;
    const parts = rest.split("\n");
    rest = parts.pop()!;
    for (const part of parts) yield part.endsWith("\r") ? part.slice(0, -1) : part;
  }
  if (rest !== "") yield rest.endsWith("\r") ? rest.slice(0, -1) : rest;
}

/**
 * At EOF: waits until connected, until every queued line is written, then for the PONG to a
 * PING sent after them (servers answer in order, so everything before it was processed). A
 * connection lost meanwhile is waited out (unsent lines are resent after reconnecting), up to
 * a deadline. Returns the exit status so far.
 */
async function confirmDelivery(session: ChatSession, io: PipeIO): Promise<number> {
  const deadline = Date.now() + EOF_READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ready = await Promise.race([
      session.whenReady(),
      new Promise<false>((resolve) =>
        timer = setTimeout(() => resolve(false), deadline - Date.now())
      ),
    ]);
    clearTimeout(timer);
    if (!ready) break;
    await session.drained();
    if (await session.roundTrip(Math.max(1000, deadline - Date.now()))) return 0;
  }
  io.err("error: the server did not confirm receipt; input may not have been delivered");
  return 1;
}

/** Runs pipe mode to the end; returns the exit status. */
export async function runPipe(config: SessionConfig, io: PipeIO): Promise<number> {
  const [channel] = config.channels;
  if (channel === undefined) {
    io.err("error: pipe mode sends to the first channel, and none was given");
    return 1;
  }
  let errors = 0;
  let lastError = "";
  let quiet = true; // the first "Connecting to …" is noise for scripts
  const session: ChatSession = new ChatSession(config, (e) => {
    const line = plainLine(e);
    if (line !== undefined) {
      io.out(line);
    } else if (e.kind === "error") {
      // An error reply to something we sent; a server going away is not one (we reconnect).
      if (session.state.registered && e.numeric !== undefined) errors++;
      lastError = e.text;
      io.err(`error: ${sanitize(e.text)}`);
    } else if (e.kind === "status" && !quiet) {
      io.err(sanitize(e.text));
    }
    quiet = false;
  });
  const failed = await session.start();
  if (failed) {
    io.err(`error: ${failed.message}`);
    return 1;
  }

  /** Sends one line once ready; false when the session ended instead. */
  const send = async (text: string): Promise<boolean> => {
    for (;;) {
      if (!(await session.whenReady())) return false;
      if (session.sendUser(textMessages("PRIVMSG", channel, text, session.state.nick))) break;
    }
    if (session.queued > MAX_QUEUED) await session.drained();
    return true;
  };

  let stopped = false;
  for await (const line of io.lines) {
    if (line === "") continue;
    if (!(await send(line))) {
      stopped = true;
      break;
    }
  }

  const code = stopped ? 0 : await confirmDelivery(session, io);
  const end = await session.quit();
  if (end.kind === "failed") {
    if (end.reason !== lastError) io.err(`error: ${sanitize(end.reason)}`);
    return 1;
  }
  return errors > 0 ? 1 : code;
}
