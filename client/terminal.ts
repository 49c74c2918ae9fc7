/**
 * Interactive mode: node:readline owns the input line (editing, history, tab completion) and
 * incoming lines are printed *above* it — the prompt and whatever was half typed are erased,
 * the message is written, and readline redraws the input exactly as it was. Keys switch the
 * current conversation; slash commands come from `commands.ts`.
 *
 * @module
 */

import process from "node:process";
import * as readline from "node:readline";
import { foldCase, sameName } from "../protocol/casemap.ts";
import { commandNames, interpret } from "./commands.ts";
import { complete } from "./complete.ts";
import type { ChatEvent } from "./events.ts";
import { formatEvent, render } from "./format.ts";
import { pasteBatch } from "./multiline.ts";
import { PasteGroups } from "./paste.ts";
import { MAX_UNREAD } from "./read_state.ts";
import { ChatSession, type SessionConfig } from "./session.ts";
import { displayWidth, sanitize } from "./text.ts";

/** How the screen looks. */
export interface TerminalOptions {
  /** ANSI colours and attributes (off for NO_COLOR and dumb terminals). */
  color: boolean;
  /** Ring the bell on mentions and private messages. */
  bell: boolean;
}

/**
 * The prompt for a current conversation, with the other conversations that have unread lines
 * (`[#lobby | #dev 3, bob 1] `): what is waiting elsewhere is visible without switching.
 */
export function promptFor(
  current: string | undefined,
  unread: readonly [string, number][] = [],
): string {
  const others = unread.filter(([name]) => current === undefined || !sameName(name, current))
    .map(([name, n]) => `${sanitize(name)} ${n >= MAX_UNREAD ? `${MAX_UNREAD}+` : n}`);
  const waiting = others.length === 0
    ? ""
    : `${current === undefined ? "" : " | "}${others.join(", ")}`;
  if (current === undefined) return waiting === "" ? "> " : `[${waiting}] `;
  return `[${sanitize(current)}${waiting}] `;
}

/** Runs the interactive client until the user quits; returns the exit status. */
export async function runTerminal(
  config: SessionConfig,
  options: TerminalOptions,
): Promise<number> {
  const out = process.stdout;
  const rl = readline.createInterface({
    input: process.stdin,
    output: out,
    terminal: true,
    historySize: 1000,
    removeHistoryDuplicates: true,
    completer: (line: string): [string[], string] => complete(line, completionSource()),
  });
  let prompt = promptFor(undefined);
  rl.setPrompt(prompt);

  /** Writes lines above the input line, keeping what is being typed. */
  const print = (lines: string[]): void => {
    // readline redraws by moving up to the prompt's first row; put the cursor there, clear the
    // input area, write, and leave as many blank rows below as readline will move back up.
    const rows = rl.getCursorPos().rows;
    readline.moveCursor(out, 0, -rows);
    readline.cursorTo(out, 0);
    readline.clearScreenDown(out);
    out.write(lines.join("\n") + "\n" + "\n".repeat(rows));
    syncPrompt();
    rl.prompt(true);
  };

  /** Updates the prompt; true when it changed. */
  const syncPrompt = (): boolean => {
    const state = session.state;
    const next = promptFor(state.current, state.read.unreadCounts(state.windows()));
    if (next === prompt) return false;
    prompt = next;
    rl.setPrompt(prompt);
    return true;
  };

  const show = (e: ChatEvent): void => {
    const f = formatEvent(e, { current: session.state.current });
    print(render(f, { color: options.color, width: out.columns ?? 80 }));
    const personal = e.private && !e.own && !e.fromServer &&
      (e.kind === "message" || e.kind === "action");
    if (options.bell && (e.mention || personal)) out.write("\x07");
  };

  const local = (kind: "status" | "error", text: string) => show({ kind, time: new Date(), text });

  // a marker moved on another device: only the prompt's unread counts change
  const session = new ChatSession(config, show, () => {
    if (syncPrompt()) rl.prompt(true);
  });

  const completionSource = () => {
    const state = session.state;
    const current = state.current;
    const nicks = current === undefined
      ? []
      : state.isChannel(current)
      ? state.membersOf(current)
      : [current];
    return {
      nicks,
      channels: state.windows().filter((w) => state.isChannel(w)),
      commands: commandNames(),
      chanTypes: state.support.chanTypes,
      ownNick: state.nick,
    };
  };

  const switchTo = (target: string | undefined): void => {
    if (target === undefined) return;
    session.state.current = target;
    session.markCurrentRead();
    syncPrompt();
    local("status", `Now talking in ${target}`);
  };

  const cycle = (step: number): void => {
    const windows = session.state.windows();
    if (windows.length === 0) return;
    const current = session.state.current;
    const i = current === undefined
      ? -1
      : windows.findIndex((w) => foldCase(w) === foldCase(current));
    switchTo(windows[(i + step + windows.length) % windows.length]);
  };

  let quitting = false;
  let resolveExit!: (code: number) => void;
  const exit = new Promise<number>((resolve) => resolveExit = resolve);

  const quit = async (reason: string): Promise<void> => {
    if (quitting) return;
    quitting = true;
    local("status", "Quitting…");
    await session.quit(reason === "" ? "Leaving" : reason);
    resolveExit(0);
  };

  process.stdin.on("keypress", (_s: string | undefined, key?: readline.Key) => {
    if (!key) return;
    if (key.meta && key.name !== undefined && /^[0-9]$/.test(key.name)) {
      const n = key.name === "0" ? 10 : Number(key.name);
      switchTo(session.state.windows()[n - 1]);
    } else if (key.meta && key.name === "left") {
      cycle(-1);
    } else if ((key.meta && key.name === "right") || (key.ctrl && key.name === "x")) {
      cycle(1);
    }
  });

  // lines that arrive together are a paste: one multiline message where the server takes them
  const pastes = new PasteGroups((lines) => {
    const state = session.state;
    const batch = pasteBatch(lines, state, `paste${Date.now().toString(36)}`);
    if (batch === undefined) { for (const line of lines) handleLine(line); }
    else if (!session.sendUser(batch, true)) local("error", "Not connected: nothing was sent");
    syncPrompt();
    rl.prompt();
  });

  rl.on("line", (line: string) => {
    // Erase the echoed input line: the message shows up formatted instead.
    const cols = out.columns ?? 80;
    readline.moveCursor(out, 0, -(Math.floor(displayWidth(prompt + line) / cols) + 1));
    readline.cursorTo(out, 0);
    readline.clearScreenDown(out);
    pastes.add(line);
  });

  const handleLine = (line: string): void => {
    const state = session.state;
    const action = interpret(line, {
      current: state.current,
      nick: state.nick,
      isChannel: (name) => state.isChannel(name),
      windows: state.windows(),
    });
    switch (action.kind) {
      case "nothing":
        return;
      case "error":
        return local("error", action.message);
      case "show":
        for (const text of action.lines) local("status", text);
        return;
      case "quit":
        quit(action.reason);
        return;
      case "close":
        session.queries.close(action.target);
        return;
      case "open": {
        const name = state.isChannel(action.target)
          ? action.target
          : session.queries.open(action.target);
        switchTo(name);
        if (action.messages.length > 0 && !session.sendUser(action.messages)) {
          local("error", "Not connected: nothing was sent");
        }
        return;
      }
      case "send":
        for (const c of action.switchOnJoin ?? []) state.switchOnJoin.add(foldCase(c));
        if (!session.sendUser(action.messages)) local("error", "Not connected: nothing was sent");
        return;
    }
  };

  rl.on("SIGINT", () => quit(""));
  rl.on("close", () => {
    pastes.flush();
    quit("");
  });
  const onSignal = () => quit("");
  // SIGTERM and SIGHUP (terminal closed) quit cleanly too; Windows has neither.
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? [] : ["SIGTERM", "SIGHUP"];
  for (const s of signals) Deno.addSignalListener(s, onSignal);

  rl.prompt();
  const failed = await session.start();
  let code: number;
  if (failed) {
    code = 1;
    quitting = true;
  } else {
    code = await Promise.race([
      exit,
      session.ended.then((end) => {
        if (end.kind === "failed") local("error", end.reason);
        return end.kind === "quit" ? 0 : 1;
      }),
    ]);
  }
  for (const s of signals) Deno.removeSignalListener(s, onSignal);
  readline.cursorTo(out, 0);
  readline.clearScreenDown(out);
  quitting = true;
  rl.close();
  if (failed) console.error(`error: ${failed.message}`);
  return code;
}
