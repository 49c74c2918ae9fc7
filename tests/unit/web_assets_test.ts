/**
 * The web page's embedded copy is current, and its DOM code type-checks against the browser's
 * types (the project's own `deno check` has no DOM types, so it only parses web/*.js).
 */

import assert from "node:assert/strict";
import { ASSETS_MODULE, generateAssetsModule, WEB_FILES } from "../../scripts/web_assets.ts";
import { WEB_ASSETS } from "../../web/assets.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

Deno.test("web assets: web/assets.ts matches web/*.html|css|js (run deno task web:assets)", async () => {
  const current = await Deno.readTextFile(ASSETS_MODULE);
  assert.ok(
    current === await generateAssetsModule(),
    "web/assets.ts is stale: run `deno task web:assets`",
  );
  for (const [path, file] of WEB_FILES) {
    assert.equal(WEB_ASSETS[path]!.body, await Deno.readTextFile(`${ROOT}/web/${file}`), path);
  }
});

Deno.test("web assets: every file of the page under web/ is embedded (listed in WEB_FILES)", () => {
  const listed = new Set(WEB_FILES.map(([, file]) => file));
  const onDisk = [...Deno.readDirSync(`${ROOT}/web`)]
    .filter((e) => e.isFile && /\.(html|css|js)$/.test(e.name))
    .map((e) => e.name);
  assert.deepEqual(onDisk.filter((f) => !listed.has(f)).sort(), []);
});

Deno.test("web assets: app.js, the modules it imports, and irc.js type-check with the DOM types", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat-webcheck-" });
  try {
    await Deno.writeTextFile(
      `${dir}/deno.json`,
      JSON.stringify({
        compilerOptions: { lib: ["dom", "dom.iterable", "esnext"], checkJs: true },
      }),
    );
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["check", "--config", `${dir}/deno.json`, "--no-lock", "web/app.js", "web/irc.js"],
      cwd: ROOT,
      env: { NO_COLOR: "1" },
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
