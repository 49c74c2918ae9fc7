/**
 * Runs generated completion scripts in real shells and returns what they offer: bash (the
 * completion function called as bash would call it), zsh (an interactive zsh on a pseudo-terminal,
 * driven with zpty, recording every match its completion system adds) and fish (`complete -C`).
 *
 * @module
 */

import { DEADLINE_MS } from "../../scripts/support/irc_client.ts";

/** Whether `shell` is on PATH. */
export async function hasShell(shell: string): Promise<boolean> {
  try {
    const { success } = await new Deno.Command(shell, {
      args: ["-c", "exit 0"],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false;
  }
}

async function run(
  shell: string,
  args: string[],
): Promise<string> {
  const child = new Deno.Command(shell, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { HOME: "/nonexistent", TERM: "xterm", LANG: "C.UTF-8" },
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
  }, DEADLINE_MS * 4);
  try {
    const { code, stdout, stderr } = await child.output();
    const out = new TextDecoder().decode(stdout);
    if (code !== 0) {
      throw new Error(`${shell} exited ${code}: ${new TextDecoder().decode(stderr)}\n${out}`);
    }
    return out;
  } finally {
    clearTimeout(timer);
  }
}

function sq(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** One list of candidates per command line asked about, as a tuple as long as the lines. */
export type PerLine<L extends readonly string[]> = { -readonly [K in keyof L]: string[] };

function blocks<L extends readonly string[]>(out: string, count: number): PerLine<L> {
  const parts = out.split("<<END>>\n").slice(0, count);
  if (parts.length !== count) throw new Error(`expected ${count} results, got:\n${out}`);
  // as many parts as lines: checked just above
  return parts.map((p) => [...new Set(p.split("\n").filter((l) => l !== ""))]) as PerLine<L>;
}

/**
 * For each command line (the text before the cursor), what the bash completion function in
 * `script` puts in COMPREPLY. The line is split on spaces as bash splits it (with `=` as its own
 * word); a trailing space means an empty current word.
 */
export async function bashComplete<const L extends readonly string[]>(
  script: string,
  lines: L,
): Promise<PerLine<L>> {
  const calls = lines.map((line) => {
    const words = line.replace(/=/g, " = ").split(/ +/);
    if (line.endsWith("=")) words.pop(); // "--opt=" → the current word is "="
    return [
      `COMP_WORDS=(${words.map(sq).join(" ")})`,
      `COMP_CWORD=${words.length - 1}`,
      `COMP_LINE=${sq(line)}`,
      `COMP_POINT=${line.length}`,
      `COMPREPLY=()`,
      `"$fn" ${sq(words[0]!)} ${sq(words.at(-1)!)} ${sq(words.at(-2) ?? "")}`,
      `printf '%s\\n' "\${COMPREPLY[@]}"`,
      `echo '<<END>>'`,
    ].join("\n");
  });
  const driver = [
    `source ${sq(script)}`,
    // The function `complete` registered for the program, as bash looks it up.
    `fn=$(complete -p ${sq(lines[0]!.split(" ")[0]!)} | sed -E 's/.*-F ([^ ]+).*/\\1/')`,
    ...calls,
  ].join("\n");
  return blocks<L>(await run("bash", ["--norc", "--noprofile", "-c", driver]), lines.length);
}

/** For each command line, the candidates `complete -C` gives in fish (descriptions dropped). */
export async function fishComplete<const L extends readonly string[]>(
  script: string,
  lines: L,
): Promise<PerLine<L>> {
  const driver = [
    `source ${sq(script)}`,
    ...lines.map((l) => `complete -C ${sq(l)} | string replace -r '\\t.*' ''\necho '<<END>>'`),
  ].join("\n");
  return blocks<L>(await run("fish", ["--no-config", "-c", driver]), lines.length);
}

/**
 * For each command line, every match zsh's completion system adds when Tab is pressed after it,
 * in an interactive zsh (on a pseudo-terminal made with zpty) that has `script` loaded after
 * compinit.
 */
export async function zshComplete<const L extends readonly string[]>(
  script: string,
  lines: L,
): Promise<PerLine<L>> {
  const dir = await Deno.makeTempDir({ prefix: "chat-zsh-" });
  try {
    const out = `${dir}/matches`;
    await Deno.writeTextFile(out, "");
    const driver = `
zmodload zsh/zpty || exit 3
zpty -b z 'zsh -f -i'
zpty -w z "PS1='> '; unsetopt beep; autoload -Uz compinit && compinit -u -D"
zpty -w z ${sq(`source ${sq(script)}`)}
# Record every match a completion function adds, then add it as usual.
zpty -w z ${
      sq(
        `compadd() { local -a m; builtin compadd -O m "$@"; print -rl -- $m >> ${
          sq(out)
        }; builtin compadd "$@"; }`,
      )
    }
# Ctrl-X: mark the end of one line's matches, clear the line, and tell the driver.
zpty -w z ${
      sq(
        `_done() { print -r -- '<<END>>' >> ${
          sq(out)
        }; BUFFER=''; print -n '<<SY''NC>>'; }; zle -N _done; bindkey '^X' _done`,
      )
    }
for line in "$@"; do
  zpty -w -n z "$line"$'\\t\\x18'
  zpty -r -m z chunk '*<<SYNC>>*' || exit 4
done
zpty -d z
`;
    await run("zsh", ["-f", "-c", driver, "zsh", ...lines]);
    return blocks<L>(await Deno.readTextFile(out), lines.length);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
