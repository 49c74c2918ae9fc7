/**
 * The release packaging (scripts/release.ts) on stand-in binaries: archive names and layout,
 * executable bits, SHA256SUMS that `sha256sum -c` accepts, and the tag/version check.
 */

import assert from "node:assert/strict";
import {
  compileArgs,
  INCLUDES,
  MAIN,
  PERMISSIONS,
  ROOT,
  targetFileName,
  TARGETS,
  v8FlagsArg,
} from "../../scripts/compile.ts";
import { archiveName, checkTag, EXTRA_FILES, packageRelease } from "../../scripts/release.ts";
import { VERSION } from "../../version.ts";

async function run(cmd: string, args: string[], cwd: string): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  assert.ok(out.success, `${cmd} ${args.join(" ")}: ${decode(out.stderr)}`);
  return decode(out.stdout);
}

Deno.test("release: the tag must be v + deno.json's version", () => {
  assert.equal(checkTag(`v${VERSION}`), undefined);
  assert.equal(checkTag("v1.2.3-rc.1", "1.2.3-rc.1"), undefined);
  assert.match(
    checkTag("v9.9.9", "0.1.0")!,
    /tag "v9\.9\.9" does not match deno.json's version 0\.1\.0/,
  );
  assert.match(checkTag("0.1.0", "0.1.0")!, /does not match/);
  assert.match(checkTag("refs/tags/v0.1.0", "0.1.0")!, /does not match/);
});

Deno.test("release: scripts/release.ts check-tag exits 1 with one line on a mismatch", async () => {
  const script = new URL("../../scripts/release.ts", import.meta.url).pathname;
  const bad = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", script, "check-tag", "v0.0.0-nope"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(bad.code, 1);
  assert.match(new TextDecoder().decode(bad.stderr), /^error: tag "v0\.0\.0-nope" does not match/);
  const good = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", script, "check-tag", `v${VERSION}`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(good.code, 0, new TextDecoder().decode(good.stderr));
});

// Packing Windows archives needs `zip` (a Debian package .ci/run installs); `deno task test`
// needs only Deno, so without zip this test says so and is ignored.
const hasZip = new Deno.Command("sh", { args: ["-c", "command -v zip"], stdout: "null" })
  .outputSync().success;

Deno.test({
  name: `release: one archive per target with the binary, README and contrib, and SHA256SUMS${
    hasZip ? "" : " (ignored: zip is not installed)"
  }`,
  ignore: !hasZip,
}, async () => {
  const work = await Deno.makeTempDir({ prefix: "chat-release-test-" });
  try {
    const dist = `${work}/dist`;
    await Deno.mkdir(dist);
    for (const target of TARGETS) {
      await Deno.writeTextFile(`${dist}/${targetFileName(target)}`, `stand-in for ${target}\n`);
    }
    const names = await packageRelease({ dist, out: `${work}/release`, version: "1.2.3" });
    assert.deepEqual(names, [...TARGETS.map((t) => archiveName(t, "1.2.3")), "SHA256SUMS"]);
    assert.equal(
      archiveName("x86_64-unknown-linux-gnu", "1.2.3"),
      "chat-1.2.3-x86_64-unknown-linux-gnu.tar.gz",
    );
    assert.equal(
      archiveName("aarch64-pc-windows-msvc", "1.2.3"),
      "chat-1.2.3-aarch64-pc-windows-msvc.zip",
    );

    const sums = await Deno.readTextFile(`${work}/release/SHA256SUMS`);
    assert.equal(sums.trim().split("\n").length, TARGETS.length);
    assert.match(sums, /^[0-9a-f]{64} {2}chat-1\.2\.3-x86_64-unknown-linux-gnu\.tar\.gz$/m);
    assert.match(await run("sha256sum", ["--check", "SHA256SUMS"], `${work}/release`), /: OK\n/);

    const dir = "chat-1.2.3-aarch64-apple-darwin";
    const listing = await run("tar", ["-tvzf", `${dir}.tar.gz`], `${work}/release`);
    assert.match(listing, new RegExp(`^-rwxr-xr-x .* ${dir}/chat$`, "m"));
    for (const file of EXTRA_FILES) assert.ok(listing.includes(`${dir}/${file}`), file);
    await run("tar", ["-xzf", `${dir}.tar.gz`], `${work}/release`);
    assert.equal(
      await Deno.readTextFile(`${work}/release/${dir}/chat`),
      "stand-in for aarch64-apple-darwin\n",
    );

    const zip = await run(
      "unzip",
      ["-l", "chat-1.2.3-x86_64-pc-windows-msvc.zip"],
      `${work}/release`,
    );
    assert.match(zip, /chat-1\.2\.3-x86_64-pc-windows-msvc\/chat\.exe/);
    assert.match(zip, /chat-1\.2\.3-x86_64-pc-windows-msvc\/README\.md/);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("compile: the flags are lean, the permissions narrow, every --include exists", async () => {
  const args = compileArgs("/tmp/out", "x86_64-apple-darwin");
  assert.equal(args[0], "compile");
  assert.ok(args.includes("--exclude-unused-npm"));
  assert.deepEqual(args.slice(args.indexOf("--target"), args.indexOf("--target") + 2), [
    "--target",
    "x86_64-apple-darwin",
  ]);
  assert.equal(args.at(-1), MAIN);
  assert.deepEqual(PERMISSIONS.toSorted(), [
    "--allow-env",
    "--allow-net",
    "--allow-read",
    "--allow-write",
    "--no-prompt",
  ]);
  for (const path of INCLUDES) {
    assert.ok(args.includes(path));
    assert.ok((await Deno.stat(`${ROOT}/${path}`)).isFile, `--include ${path} exists`);
  }
  assert.ok(!compileArgs("/tmp/out").includes("--target"), "no --target: the host");
});

Deno.test("compile: the binary and `deno task serve` run with the same V8 flags", async () => {
  assert.ok(compileArgs("/tmp/out").includes(v8FlagsArg()));
  const tasks = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`)).tasks;
  assert.ok(tasks.serve.startsWith(`deno run ${v8FlagsArg()} `), tasks.serve);
});
