/**
 * The always-on proof that chat's module graph is self-contained (what `deno compile` embeds):
 * `deno bundle` turns main.ts into one JavaScript file, which then runs from an empty temporary
 * directory with `--no-config`, an empty DENO_DIR (no npm cache) and exactly the permissions the
 * compiled binary gets.
 */

import assert from "node:assert/strict";
import { PERMISSIONS } from "../../scripts/compile.ts";
import { type Artifact, assertServesChat, assertVersion } from "../helpers/artifact.ts";
import { assertServesWebPage } from "../helpers/web_artifact.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

Deno.test("bundle: main.ts bundles into one file that runs with --no-config, no cache, the binary's permissions", async () => {
  const work = await Deno.makeTempDir({ prefix: "chat-bundle-" });
  try {
    const bundle = `${work}/out/chat.js`;
    const built = await new Deno.Command(Deno.execPath(), {
      args: ["bundle", "--platform", "deno", "--output", bundle, "main.ts"],
      cwd: ROOT,
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(built.code, 0, new TextDecoder().decode(built.stderr));

    const code = await Deno.readTextFile(bundle);
    // Every import left is a built-in module: no npm:, jsr:, https: or file: specifier remains.
    const specifiers = [
      ...code.matchAll(/^\s*import\s[^"';]*?["']([^"']+)["']/gm),
      ...code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g),
    ].map((m) => m[1]!);
    assert.ok(specifiers.length > 0, "expected node: imports in the bundle");
    assert.deepEqual(specifiers.filter((s) => !s.startsWith("node:")), []);
    // The version came through the JSON import of deno.json.
    const denoJson = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
    assert.ok(code.includes(`version: "${denoJson.version}"`), "deno.json's version is inlined");
    const size = (await Deno.stat(bundle)).size;
    console.log(
      `bundle: ${(size / 1024).toFixed(0)} KiB, imports ${new Set(specifiers).size} node: modules`,
    );

    // Run it alone: an empty directory, no deno.json or lockfile, an empty DENO_DIR.
    const run = `${work}/run`;
    await Deno.mkdir(`${run}/deno_dir`, { recursive: true });
    await Deno.copyFile(bundle, `${run}/chat.js`);
    const artifact: Artifact = {
      command: Deno.execPath(),
      prefix: ["run", "--no-config", "--no-lock", ...PERMISSIONS, "chat.js"],
      cwd: run,
      env: { DENO_DIR: `${run}/deno_dir` },
    };
    const line = await assertVersion(artifact);
    assert.equal(line.split(" ")[1], denoJson.version);
    await assertServesChat(artifact);
    await assertServesWebPage(artifact);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});
