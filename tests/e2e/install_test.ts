/**
 * The README's install path for Deno users: `deno install -g` from the checkout, with the
 * binary's permissions and `--config deno.json`, gives a `chat` command that works from any
 * directory.
 */

import { PERMISSIONS } from "../../scripts/compile.ts";
import { type Artifact, assertServesChat, assertVersion } from "../helpers/artifact.ts";
import assert from "node:assert/strict";

const ROOT = new URL("../..", import.meta.url).pathname;

Deno.test("install: deno install -g from the checkout gives a chat command that serves", async () => {
  const work = await Deno.makeTempDir({ prefix: "chat-install-" });
  try {
    const installed = await new Deno.Command(Deno.execPath(), {
      args: [
        "install",
        "-g",
        "-f",
        "--root",
        `${work}/root`,
        "-n",
        "chat",
        "--config",
        "deno.json",
        ...PERMISSIONS,
        "main.ts",
      ],
      cwd: ROOT,
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const said = new TextDecoder().decode(installed.stderr);
    assert.equal(installed.code, 0, said);
    await Deno.mkdir(`${work}/elsewhere`);
    const artifact: Artifact = {
      command: `${work}/root/bin/chat`,
      prefix: [],
      cwd: `${work}/elsewhere`,
      // The shim runs `deno` from PATH.
      env: { PATH: `${Deno.execPath().replace(/\/[^/]+$/, "")}:${Deno.env.get("PATH") ?? ""}` },
    };
    await assertVersion(artifact);
    await assertServesChat(artifact);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});
