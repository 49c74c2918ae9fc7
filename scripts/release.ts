/**
 * Release steps the workflow runs after `deno task compile:all`:
 *
 * ```sh
 * deno run -R scripts/release.ts check-tag v0.1.0   # the tag must be "v" + deno.json's version
 * deno run -R -W --allow-run scripts/release.ts package [--dist dist] [--out dist/release]
 * ```
 *
 * `package` puts each `dist/chat-<target>[.exe]` with README.md and contrib/ into
 * `chat-<version>-<target>.tar.gz` (`.zip` for Windows) and writes `SHA256SUMS` beside them, in the
 * format `sha256sum -c` and `shasum -a 256 -c` read.
 *
 * @module
 */

import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { VERSION } from "../version.ts";
import { executableName, ROOT, targetFileName, TARGETS } from "./compile.ts";

/** Files shipped beside the executable in every archive, relative to the repository root. */
export const EXTRA_FILES: readonly string[] = [
  "README.md",
  "contrib/chat.service",
  "contrib/chat.env",
];

/** Returns an error message when `tag` is not `v` + `version`, else undefined. */
export function checkTag(tag: string, version: string = VERSION): string | undefined {
  const expected = `v${version}`;
  return tag === expected
    ? undefined
    : `tag ${JSON.stringify(tag)} does not match deno.json's version ${version}: ` +
      `tag the commit ${expected}, or set "version" in deno.json to ${tag.replace(/^v/, "")}`;
}

/** `chat-0.1.0-x86_64-unknown-linux-gnu.tar.gz`, `.zip` for Windows targets. */
export function archiveName(target: string, version: string = VERSION): string {
  return `chat-${version}-${target}${target.includes("windows") ? ".zip" : ".tar.gz"}`;
}

/** Lowercase hex SHA-256 of a file. */
export async function sha256File(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function run(cmd: string, args: string[], cwd: string): Promise<void> {
  const { success, stderr } = await new Deno.Command(cmd, {
    args,
    cwd,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!success) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(stderr)}`);
  }
}

/** Options of {@link packageRelease}. */
export interface PackageOptions {
  /** Where the compiled `chat-<target>[.exe]` files are. */
  dist: string;
  /** Where archives and SHA256SUMS go (created). */
  out: string;
  version?: string;
  targets?: readonly string[];
  /** Directory the EXTRA_FILES are taken from. */
  root?: string;
}

/** Packs every target's binary into its archive and writes SHA256SUMS; returns the file names. */
export async function packageRelease(options: PackageOptions): Promise<string[]> {
  const { dist, version = VERSION, targets = TARGETS, root = ROOT } = options;
  const out = resolve(options.out);
  await Deno.mkdir(out, { recursive: true });
  const stage = await Deno.makeTempDir({ prefix: "chat-release-" });
  const names: string[] = [];
  try {
    for (const target of targets) {
      const dirName = `chat-${version}-${target}`;
      const dir = `${stage}/${dirName}`;
      await Deno.mkdir(`${dir}/contrib`, { recursive: true });
      const exe = `${dir}/${executableName(target)}`;
      await Deno.copyFile(`${dist}/${targetFileName(target)}`, exe);
      await Deno.chmod(exe, 0o755);
      for (const file of EXTRA_FILES) await Deno.copyFile(`${root}/${file}`, `${dir}/${file}`);
      const archive = archiveName(target, version);
      const archivePath = `${out}/${archive}`;
      await Deno.remove(archivePath).catch(() => {});
      if (archive.endsWith(".zip")) {
        await run("zip", ["-q", "-r", "-X", archivePath, dirName], stage);
      } else {
        await run("tar", ["-czf", archivePath, dirName], stage);
      }
      names.push(archive);
    }
  } finally {
    await Deno.remove(stage, { recursive: true });
  }
  const sums = [];
  for (const name of names) sums.push(`${await sha256File(`${out}/${name}`)}  ${name}\n`);
  await Deno.writeTextFile(`${out}/SHA256SUMS`, sums.join(""));
  return [...names, "SHA256SUMS"];
}

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  const [tag, ...more] = rest;
  if (command === "check-tag" && tag !== undefined && more.length === 0) {
    const error = checkTag(tag);
    if (error) {
      console.error(`error: ${error}`);
      return 1;
    }
    console.log(`tag ${rest[0]} matches deno.json's version ${VERSION}`);
    return 0;
  }
  if (command === "package") {
    const { values } = parseArgs({
      args: rest,
      options: {
        dist: { type: "string", default: "dist" },
        out: { type: "string", default: "dist/release" },
      },
    });
    for (const name of await packageRelease({ dist: values.dist, out: values.out })) {
      console.log(`${values.out}/${name}`);
    }
    return 0;
  }
  console.error("usage: scripts/release.ts check-tag TAG | package [--dist DIR] [--out DIR]");
  return 2;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
