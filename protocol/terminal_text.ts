/**
 * Other people's words made safe to write to a terminal. Shared by the server's plain-text door
 * (netcat and telnet users) and the `chat join` client: one rule for what may reach a terminal.
 *
 * @module
 */

// mIRC formatting: colour with optional fg[,bg] digits, hex colour with optional RRGGBB[,RRGGBB],
// then bold, reset, monospace, reverse, italic, strikethrough, underline.
const FORMATTING =
  // deno-lint-ignore no-control-regex
  /\x03(\d{1,2}(,\d{1,2})?)?|\x04([0-9a-fA-F]{6}(,[0-9a-fA-F]{6})?)?|[\x02\x0f\x11\x16\x1d\x1e\x1f]/g;
// Every other C0 control, DEL, the C1 controls (U+009B is a one-character CSI to many terminals),
// and the bidirectional controls: embeddings and overrides (U+202A–U+202E), isolates
// (U+2066–U+2069) and the marks (U+200E, U+200F, U+061C), with which a message can make the rest
// of the screen line read backwards or a nick appear to say what it did not.
const CONTROLS =
  // deno-lint-ignore no-control-regex
  /[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text from the network as it may be written to a terminal: IRC formatting codes are removed,
 * tabs become spaces, and control characters (C0, DEL, C1, bidirectional controls) are dropped,
 * so a message can never move the cursor, change colours, ring the bell or reorder what is shown.
 */
export function terminalSafe(text: string): string {
  return text.replace(FORMATTING, "").replace(/\t/g, " ").replace(CONTROLS, "");
}
