/**
 * CAP LS 302 read whole: the list takes more than one line (each but the last marked `*`), so a
 * test looking for a capability reads them all.
 */
import type { TestClient } from "../../scripts/support/irc_client.ts";

/** Sends CAP LS 302 and returns every capability offered with its value ("" for none). */
export async function capLs(c: TestClient): Promise<Map<string, string>> {
  await c.send("CAP LS 302");
  const caps = new Map<string, string>();
  for (;;) {
    const m = await c.expect((m) => m.command === "CAP" && m.params[1] === "LS");
    const more = m.params[2] === "*";
    for (const item of m.params[more ? 3 : 2]!.split(" ")) {
      const eq = item.indexOf("=");
      if (eq === -1) caps.set(item, "");
      else caps.set(item.slice(0, eq), item.slice(eq + 1));
    }
    if (!more) return caps;
  }
}
