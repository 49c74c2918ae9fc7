/**
 * IRCv3 capabilities this server implements, and the CAP LS lines that advertise them.
 * A capability is listed here only once it works end to end.
 *
 * @module
 */

import { METADATA_CAP_VALUE } from "./metadata.ts";
import { MULTILINE_MAX_BYTES, MULTILINE_MAX_LINES } from "./state/multiline_batch.ts";

/** Supported capabilities and their CAP LS 302 values. */
export const CAPABILITIES: ReadonlyMap<string, string> = new Map([
  ["account-notify", ""],
  ["account-tag", ""],
  ["away-notify", ""],
  ["batch", ""],
  ["cap-notify", ""],
  ["chghost", ""],
  ["draft/account-registration", ""],
  ["draft/channel-rename", ""],
  ["draft/chathistory", ""],
  ["draft/message-redaction", ""],
  ["draft/metadata-2", METADATA_CAP_VALUE],
  ["draft/multiline", `max-bytes=${MULTILINE_MAX_BYTES},max-lines=${MULTILINE_MAX_LINES}`],
  ["draft/no-implicit-names", ""],
  ["draft/pre-away", ""],
  ["draft/read-marker", ""],
  ["echo-message", ""],
  ["extended-join", ""],
  ["extended-monitor", ""],
  ["invite-notify", ""],
  ["labeled-response", ""],
  ["message-tags", ""],
  ["multi-prefix", ""],
  ["sasl", "PLAIN"],
  ["server-time", ""],
  ["setname", ""],
  ["soju.im/search", ""],
  ["standard-replies", ""],
  ["userhost-in-names", ""],
]);

/**
 * SASL mechanisms the server offers; EXTERNAL (a TLS client certificate) only where there is a
 * TLS port to present one on. The `sasl` capability value and 908 both come from here.
 */
export function saslMechanisms(tls: boolean): string[] {
  return tls ? ["PLAIN", "EXTERNAL", "SCRAM-SHA-256"] : ["PLAIN", "SCRAM-SHA-256"];
}

/** What decides one connection's CAP LS values beyond the fixed list. */
export interface CapOffer {
  /** The connection came over TLS. */
  secure: boolean;
  /** The server's STS policy; undefined without TLS. */
  sts: { port: number; durationS: number } | undefined;
}

/**
 * The IRCv3 STS value for a connection: the TLS port over plain text (where a duration would be
 * ignored), the duration over TLS; none without TLS, nor over plain text once the policy is
 * withdrawn (duration 0, which TLS connections are told so that clients forget it). `sts` is
 * not requestable: it is never in `CAPABILITIES`, so CAP REQ gets NAK.
 */
export function stsValue(offer: CapOffer): string | undefined {
  if (!offer.sts) return undefined;
  if (offer.secure) return `duration=${offer.sts.durationS}`;
  return offer.sts.durationS > 0 ? `port=${offer.sts.port}` : undefined;
}

/** One connection's capabilities and values, in name order. */
export function capabilitiesFor(offer: CapOffer): [string, string][] {
  const caps = new Map(CAPABILITIES);
  caps.set("sasl", saslMechanisms(offer.sts !== undefined).join(","));
  const sts = stsValue(offer);
  if (sts !== undefined) caps.set("sts", sts);
  return [...caps].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
}

/**
 * The capability list for CAP LS, split so that no line exceeds the limit; version 302 clients
 * see values and continuation markers, older ones only names.
 */
export function capLsChunks(
  version: number,
  maxBytes = 400,
  offer: CapOffer = { secure: false, sts: undefined },
): string[] {
  const items = capabilitiesFor(offer).map(([name, value]) =>
    version >= 302 && value !== "" ? `${name}=${value}` : name
  );
  const chunks: string[] = [];
  let current = "";
  for (const item of items) {
    if (current !== "" && current.length + 1 + item.length > maxBytes) {
      chunks.push(current);
      current = item;
    } else {
      current = current === "" ? item : `${current} ${item}`;
    }
  }
  chunks.push(current);
  return chunks;
}
