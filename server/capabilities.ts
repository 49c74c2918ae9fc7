/**
 * IRCv3 capabilities this server implements, and the CAP LS lines that advertise them.
 * A capability is listed here only once it works end to end.
 *
 * @module
 */

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
 * The capability list for CAP LS, split so that no line exceeds the limit; version 302 clients
 * see values and continuation markers, older ones only names.
 */
export function capLsChunks(version: number, maxBytes = 400): string[] {
  const items = [...CAPABILITIES].map(([name, value]) =>
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
