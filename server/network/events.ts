/**
 * Changes to the network, as data: what a hub decided, in the form `Network.apply` applies. The
 * single-process hub makes them itself; a cluster node gets them from Redis (cluster/events.ts is
 * their wire form, with short field names) and turns them into these. Either way the same
 * `apply` changes the state and tells the users of this process.
 *
 * @module
 */

import type { Ban, Topic } from "../state/channel.ts";
import type { User } from "../state/user.ts";
import type { RenameEvent } from "./rename.ts";

/** A channel's settings (everything but its members), as a JOIN that creates it brings them. */
export interface ChannelSettings {
  name: string;
  created: number;
  topic?: Topic;
  /** Flag modes, e.g. "nt". */
  modes: string;
  key?: string;
  limit?: number;
  bans: Ban[];
  /** Ban exceptions (+e) and invite exceptions (+I). */
  banExceptions: Ban[];
  inviteExceptions: Ban[];
  /** Folded nicks invited past +i. */
  invited: string[];
  /** Folded founder account of a registered channel. */
  founder?: string;
  /** The key its history is filed under (store/conversations.ts). */
  historyKey: string;
  /** Its draft/metadata-2 keys, where they travel with the settings (a cluster's JOIN). */
  metadata?: Record<string, string>;
}

/** One channel mode change as decided; `member` is the user an `o`/`v` change names. */
export interface ModeEffect {
  adding: boolean;
  mode: string;
  param?: string;
  member?: User;
}

/**
 * One change to the network. Channels are named by their folded name; `time` is when the change
 * was decided (the `time` tag of the line members see).
 */
export type NetworkEvent =
  /** A user completed registration (or, in a cluster, another node's user became known). */
  | { type: "introduce"; user: User }
  | { type: "nick"; user: User; nick: string; time: number }
  | { type: "quit"; user: User; reason: string; time: number }
  /**
   * A user's own attributes: the hub owning the user has set them already (it answers the user
   * at once); the event sets them on every other copy and tells the neighbours.
   */
  | { type: "away"; user: User; message?: string; time: number }
  | { type: "realname"; user: User; realname: string; time: number }
  | { type: "account"; user: User; account?: string; time: number }
  /** User modes as a whole, e.g. "iw" (nobody is told: WHO, WHOIS and LUSERS show them). */
  | { type: "userModes"; user: User; modes: string }
  /** `settings` creates the channel when absent (and replace its settings when present). */
  | {
    type: "join";
    user: User;
    channel: string;
    status: number;
    settings?: ChannelSettings;
    time: number;
  }
  | { type: "part"; user: User; channel: string; reason?: string; time: number }
  /** `by` is the kicker's source (`nick!user@host`). */
  | { type: "kick"; by: string; target: User; channel: string; reason: string; time: number }
  | { type: "topic"; channel: string; topic?: Topic; by: string; time: number }
  /** Changes as decided: only those that change something are applied and shown. */
  | { type: "mode"; channel: string; by: string; changes: ModeEffect[]; time: number }
  /** `admits`: an op's invite, which lets the target past +i, +l and +b. */
  | {
    type: "invite";
    channel: string;
    by: string;
    inviter?: User;
    target: User;
    admits: boolean;
    time: number;
  }
  /** RENAME: the channel (folded, old name) is called `name` from now on (network/rename.ts). */
  | { type: "rename" } & RenameEvent
  /** A channel was registered to an account (folded), or its registration dropped. */
  | { type: "founder"; channel: string; founder?: string }
  | { type: "wallops"; by: string; text: string }
  /**
   * draft/metadata-2: a user's (`user`) or channel's (`channel`, folded) key set or, without
   * `value`, removed; `by` is the setter's source, `setter` (when known) hears nothing of it.
   */
  | {
    type: "metadata";
    user?: User;
    channel?: string;
    key: string;
    value?: string;
    by: string;
    setter?: User;
    time: number;
  };
