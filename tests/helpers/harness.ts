/**
 * Runs commands against the pure server state (hub, users, command table) with no sockets:
 * each user's sink records the lines it would have been sent.
 *
 * @module
 */

import { foldCase } from "../../protocol/casemap.ts";
import { parseMessage } from "../../protocol/message.ts";
import { endSession } from "../../server/attach.ts";
import { dispatch } from "../../server/command_table.ts";
import { COMMANDS } from "../../server/commands/index.ts";
import { defaultConfig, type Limits, type ServerConfig } from "../../server/config.ts";
import { Context } from "../../server/context.ts";
import { LocalHub } from "../../server/local_hub.ts";
import { silentLogger } from "../../server/log.ts";
import type { Outgoing } from "../../server/outgoing.ts";
import { createServerInfo, type ServerInfo } from "../../server/server_info.ts";
import type { Session, Sink } from "../../server/state/session.ts";
import { User } from "../../server/state/user.ts";
import { openSqliteStores, type Stores } from "../../server/store/stores.ts";
import { BATCH_MIN_MEMBERS } from "../../server/join_batch.ts";

const decoder = new TextDecoder();

/** A user whose output is kept as lines. */
export class RecordedUser implements Sink {
  /** This connection's session, whose sink this is. */
  readonly session: Session;
  readonly ctx: Context;
  /** Lines sent to this user since the last `take()`. */
  lines: string[] = [];
  terminated: string | undefined;

  constructor(id: number, hub: LocalHub, info: ServerInfo, stores: Stores) {
    const user = new User(id, `10.0.0.${id}`, this);
    this.session = user.sessions[0]!;
    this.ctx = new Context(user, this.session, hub, info, stores);
  }

  /** The user this is a session of: its own, or its account's once attached (attach.ts). */
  get user(): User {
    return this.ctx.user;
  }

  send(out: Outgoing): void {
    this.lines.push(out.line(this.session.variant));
  }

  /** Lines the server formats itself (NAMES, held JOINs) are recorded like the others. */
  sendBytes(bytes: Uint8Array): boolean {
    for (const line of decoder.decode(bytes).split("\r\n")) if (line !== "") this.lines.push(line);
    return true;
  }

  terminate(reason: string): void {
    if (this.terminated !== undefined) return;
    this.terminated = reason;
    endSession(this.ctx.hub, this.user, this.session, reason);
  }

  /** Returns and forgets the recorded lines. */
  take(): string[] {
    const lines = this.lines;
    this.lines = [];
    return lines;
  }

  /** Runs one raw line as this user. */
  async run(line: string): Promise<string[]> {
    this.take();
    return await this.runAfter(line);
  }

  /** Runs one raw line as this user; returns it with what came before (since `take()`). */
  async runAfter(line: string): Promise<string[]> {
    await dispatch(COMMANDS, this.ctx, parseMessage(line)!);
    return this.take();
  }
}

/** A network of recorded users around one LocalHub. */
export class Harness {
  readonly stores: Stores = openSqliteStores(":memory:");
  readonly hub: LocalHub;
  readonly info: ServerInfo;
  #nextId = 1;

  private constructor(info: ServerInfo, permanent: string[]) {
    this.info = info;
    this.hub = new LocalHub({
      registry: this.stores.channels,
      history: this.stores.history,
      permanent: new Set(permanent.map(foldCase)),
      serverName: info.name,
    });
  }

  static async create(
    overrides: Partial<Omit<ServerConfig, "limits">> & { limits?: Partial<Limits> } = {},
  ): Promise<Harness> {
    const { limits, ...rest } = overrides;
    const config = defaultConfig(rest);
    Object.assign(config.limits, limits);
    return new Harness(await createServerInfo(config, silentLogger), config.permanentChannels);
  }

  /** A connected, unregistered user. */
  connect(): RecordedUser {
    return new RecordedUser(this.#nextId++, this.hub, this.info, this.stores);
  }

  /**
   * A channel `#big` just big enough for its JOINs to be held (join_batch.ts), with everyone's
   * output taken; returns its first member.
   */
  async bigChannel(): Promise<RecordedUser> {
    const members: RecordedUser[] = [];
    for (let i = 0; i < BATCH_MIN_MEMBERS; i++) {
      const u = await this.user(`m${i}`);
      await u.run("JOIN #big");
      members.push(u);
    }
    await members[0]!.run("PING settle"); // whatever was held is out now
    for (const m of members) m.take();
    return members[0]!;
  }

  /** A registered user (NICK + USER done, welcome discarded). */
  async user(nick: string, caps: string[] = []): Promise<RecordedUser> {
    const u = this.connect();
    if (caps.length > 0) await u.run(`CAP REQ :${caps.join(" ")}`);
    await u.run(`NICK ${nick}`);
    await u.run(`USER ${nick} 0 * :${nick} real`);
    if (caps.length > 0) await u.run("CAP END");
    if (!u.user.registered) throw new Error(`${nick} did not register`);
    u.take();
    return u;
  }
}

/** The command (or numeric) of each line, for compact assertions. */
export function commands(lines: string[]): string[] {
  return lines.map((l) => parseMessage(l)!.command);
}
