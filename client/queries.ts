/**
 * Private conversations (queries) and what the client asks the server about them: each new one's
 * read marker, and the presence of their partners through MONITOR (when the server offers it),
 * so the user sees a line when the person they talk with comes online or goes offline
 * (events.ts shows 730/731).
 *
 * The MONITOR list follows the open queries: opening one adds its nick, closing one takes it
 * off, a partner's rename swaps it, and each new connection sends the whole list again (a list
 * lives as long as its connection on the server). At most the server's `MONITOR` limit.
 *
 * @module
 */

import { foldCase } from "../protocol/casemap.ts";
import { type Message, msg } from "../protocol/message.ts";
import type { ClientState } from "./state.ts";

/** Bytes of nicks per MONITOR line, well inside 512 with the command. */
const LINE_BYTES = 400;

/** The queries of one session and the MONITOR list kept in step with them. */
export class Queries {
  readonly #state: ClientState;
  /** Sends on the live connection (registered); false when there is none. */
  readonly #send: (m: Message) => boolean;
  /** What this connection's MONITOR list holds: folded nick → nick as sent. */
  #monitored = new Map<string, string>();

  constructor(state: ClientState, send: (m: Message) => boolean) {
    this.#state = state;
    this.#send = send;
  }

  /** Opens (or finds) a private conversation; returns its name. */
  open(nick: string): string {
    const known = this.#state.queries.length;
    const name = this.#state.openQuery(nick);
    if (this.#state.queries.length > known && this.#state.keepsMarkers) {
      this.#send(msg("MARKREAD", [nick]));
    }
    this.sync();
    return name;
  }

  /** Closes a private conversation: its partner is no longer watched. */
  close(nick: string): void {
    this.#state.closeQuery(nick);
    this.sync();
  }

  /** The connection ended: the server forgot its list. */
  disconnected(): void {
    this.#monitored.clear();
  }

  /**
   * Brings the server's MONITOR list in line with the open queries (after any change to them,
   * and once a connection is ready and its ISUPPORT known): `-` for the nicks no longer wanted,
   * then `+` for the new ones, up to the limit.
   */
  sync(): void {
    const limit = this.#state.support.monitor;
    if (limit === undefined || !this.#state.registered) return;
    const wanted = new Map<string, string>();
    for (const q of this.#state.queries) {
      if (wanted.size >= limit) break;
      wanted.set(foldCase(q), q);
    }
    const gone = [...this.#monitored].filter(([f]) => !wanted.has(f)).map(([, n]) => n);
    const added = [...wanted].filter(([f]) => !this.#monitored.has(f)).map(([, n]) => n);
    if (gone.length === 0 && added.length === 0) return;
    for (const line of lines(gone)) if (!this.#send(msg("MONITOR", ["-", line]))) return;
    for (const f of gone.map(foldCase)) this.#monitored.delete(f);
    for (const line of lines(added)) if (!this.#send(msg("MONITOR", ["+", line]))) return;
    for (const n of added) this.#monitored.set(foldCase(n), n);
  }
}

/** Nicks joined with commas, a few hundred bytes per line. */
function lines(nicks: string[]): string[] {
  const out: string[] = [];
  let line = "";
  for (const n of nicks) {
    if (line !== "" && line.length + 1 + n.length > LINE_BYTES) {
      out.push(line);
      line = n;
    } else line = line === "" ? n : `${line},${n}`;
  }
  if (line !== "") out.push(line);
  return out;
}
