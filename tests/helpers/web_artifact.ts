/**
 * Proves a built artifact of chat (the bundle, the compiled binary) carries the web page: it
 * starts `serve --web-port 0`, fetches the page's files and compares them with the embedded
 * copy, registers over WebSocket, then stops with SIGTERM.
 *
 * @module
 */

import assert from "node:assert/strict";
import { WEB_ASSETS } from "../../web/assets.ts";
import type { Artifact } from "./artifact.ts";
import { DEADLINE_MS } from "../../scripts/support/irc_client.ts";
import { WsTestClient } from "./ws_client.ts";

const WEB_LINE = /serving the web page on (http:\/\/\S+)/;

/** Runs the artifact's web port end to end; everything is cleaned up on failure too. */
export async function assertServesWebPage(artifact: Artifact): Promise<void> {
  const child = new Deno.Command(artifact.command, {
    args: [...artifact.prefix, "serve", "--port", "0", "--web-port", "0"],
    cwd: artifact.cwd,
    env: { NO_COLOR: "1", CHAT_DB: ":memory:", ...artifact.env },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const log: string[] = [];
  let reading: Promise<void> = Promise.resolve();
  let ws: WsTestClient | undefined;
  try {
    const base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no web port within the deadline:\n${log.join("\n")}`)),
        DEADLINE_MS * 4,
      );
      reading = (async () => {
        let rest = "";
        for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
          rest += chunk;
          const lines = rest.split("\n");
          rest = lines.pop()!;
          for (const line of lines) {
            log.push(line);
            const m = WEB_LINE.exec(line);
            if (m) {
              clearTimeout(timer);
              resolve(m[1]!.replace(/\/$/, ""));
            }
          }
        }
        clearTimeout(timer);
        reject(new Error(`the server exited before serving:\n${log.join("\n")}${rest}`));
      })();
    });
    for (const path of Object.keys(WEB_ASSETS)) {
      const res = await fetch(`${base}${path}`);
      assert.equal(res.status, 200, path);
      assert.equal(await res.text(), WEB_ASSETS[path]!.body, `${path} is the embedded file`);
    }
    ws = await WsTestClient.register(`${base.replace(/^http/, "ws")}/`, "webartifact");
    child.kill("SIGTERM");
    assert.match((await ws.expect("ERROR")).params[0]!, /shutting down/i);
    assert.equal((await child.status).code, 0, log.join("\n"));
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
    await ws?.close();
    await child.status;
    await reading.catch(() => {});
  }
}
