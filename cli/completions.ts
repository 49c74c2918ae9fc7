/**
 * `chat completions bash|zsh|fish`: prints a shell completion script generated from the program's
 * own commander tree (subcommands, options, value choices, positional arguments), so a subcommand
 * or option added later is completed without touching this file.
 *
 * The scripts are static: pressing Tab runs no `chat` process, and the bash one needs neither the
 * bash-completion package nor bash 4.
 *
 * @module
 */

import { Argument, Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import { firstField } from "../util/text.ts";

/** The shells `chat completions` writes scripts for. */
export const SHELLS = ["bash", "zsh", "fish"] as const;

/** One of {@link SHELLS}. */
export type Shell = typeof SHELLS[number];

/** What a value (of an option or a positional argument) completes to. */
export interface ValueSpec {
  /** The placeholder in the help, e.g. `number`, `file`. */
  name: string;
  /**
   * `choices`: the words in `choices`; `file`: paths (placeholders like `file`, `path`, `pem`);
   * `host`: host names (positional `host…`/`server…`); `any`: nothing.
   */
  kind: "choices" | "file" | "host" | "any";
  choices: string[];
  optional: boolean;
}

/** An option of a command. */
export interface OptionSpec {
  /** `-p`, or undefined. */
  short?: string;
  /** `--port`, or undefined. */
  long?: string;
  description: string;
  /** Undefined for a switch. */
  value?: ValueSpec;
  /** May be given more than once (variadic, or collected into an array). */
  repeatable: boolean;
}

/** A positional argument. */
export interface ArgumentSpec {
  value: ValueSpec;
  description: string;
  variadic: boolean;
}

/** A command and its subcommands, as completion sees them. */
export interface CommandSpec {
  name: string;
  /** Subcommand names from the program down to this one (empty for the program). */
  path: string[];
  aliases: string[];
  description: string;
  options: OptionSpec[];
  arguments: ArgumentSpec[];
  commands: CommandSpec[];
}

const SAFE_NAME = /^[A-Za-z0-9][\w.-]*$/;

function valueSpec(
  placeholder: string,
  choices: readonly string[] | undefined,
  optional: boolean,
  positional: boolean,
): ValueSpec {
  const name = placeholder.replace(/\.\.\.$/, "");
  const kind = choices && choices.length > 0
    ? "choices"
    : /(^|[-_])(file|path|dir|directory|pem)$/i.test(name)
    ? "file"
    : positional && /^(host|server)\b/i.test(name)
    ? "host"
    : "any";
  return { name, kind, choices: [...(choices ?? [])], optional };
}

/** Describes `cmd` and its visible subcommands and options, recursively. */
export function describeCommand(cmd: CommandUnknownOpts, path: string[] = []): CommandSpec {
  const help = cmd.createHelp();
  const options: OptionSpec[] = help.visibleOptions(cmd).map((o) => {
    const takesValue = o.required || o.optional;
    const placeholder = /[<[]([^>\]]+)[>\]]/.exec(o.flags)?.[1] ?? "value";
    return {
      short: o.short,
      long: o.long,
      description: o.description,
      value: takesValue ? valueSpec(placeholder, o.argChoices, o.optional, false) : undefined,
      repeatable: o.variadic || Array.isArray(o.defaultValue),
    };
  });
  const subcommands = help.visibleCommands(cmd).filter((c) => SAFE_NAME.test(c.name()));
  const siblings = subcommands.map((c) => c.name()).filter((n) => n !== "help");
  const commands = subcommands.map((c) => {
    const spec = describeCommand(c, [...path, c.name()]);
    // The implicit `help [command]` completes the other subcommands' names.
    const [argument, ...more] = spec.arguments;
    if (c.name() === "help" && argument && more.length === 0 && spec.options.length <= 1) {
      argument.value = { ...argument.value, kind: "choices", choices: siblings };
    }
    return spec;
  });
  return {
    name: cmd.name(),
    path,
    aliases: cmd.aliases().filter((a) => SAFE_NAME.test(a)),
    description: cmd.summary() || cmd.description(),
    options,
    arguments: cmd.registeredArguments.map((a) => ({
      value: valueSpec(a.name(), a.argChoices, !a.required, true),
      description: a.description,
      variadic: a.variadic,
    })),
    commands,
  };
}

function flatten(spec: CommandSpec): CommandSpec[] {
  return [spec, ...spec.commands.flatMap(flatten)];
}

/** Single-quotes a word for POSIX shells and zsh. */
function sq(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** A shell identifier made from the program name. */
function ident(s: string): string {
  return s.replace(/[^A-Za-z0-9_]/g, "_");
}

function flagsOf(o: OptionSpec): string[] {
  return [o.short, o.long].filter((f): f is string => f !== undefined);
}

function firstLine(s: string): string {
  return firstField(s, "\n").trim();
}

// ---------------------------------------------------------------------------------------------
// bash

function bashValue(v: ValueSpec): string {
  switch (v.kind) {
    case "choices":
      return `COMPREPLY=($(compgen -W ${sq(v.choices.join(" "))} -- "$cur"))`;
    case "file":
      return `compopt -o filenames 2>/dev/null; local IFS=$'\\n'; COMPREPLY=($(compgen -f -- "$cur"))`;
    case "host":
      return `COMPREPLY=($(compgen -A hostname -- "$cur"))`;
    case "any":
      return ":";
  }
}

/** The bash completion script for the program described by `spec`. */
export function bashScript(spec: CommandSpec): string {
  const program = spec.name;
  const fn = `_${ident(program)}_complete`;
  const all = flatten(spec);
  const key = (c: CommandSpec) => c.path.join(" ");
  const walk: string[] = [];
  const values: string[] = [];
  const optionLists: string[] = [];
  const positionals: string[] = [];
  for (const c of all) {
    for (const sub of c.commands) {
      const patterns = [sub.name, ...sub.aliases].map((n) => sq(`${key(c)}|${n}`)).join(" | ");
      walk.push(`            ${patterns}) path=${sq(key(sub))}; npos=0 ;;`);
    }
    const withValue = c.options.filter((o) => o.value !== undefined);
    if (withValue.length > 0) {
      const patterns = withValue.flatMap(flagsOf).map((f) => sq(`${key(c)}|${f}`)).join(" | ");
      walk.push(
        `            ${patterns})`,
        `                if [[ \${COMP_WORDS[i+1]} == "=" ]]; then i=$((i + 1)); fi`,
        `                i=$((i + 1)) ;;`,
      );
    }
    // One case per action: options whose values complete alike share it.
    const byAction = new Map<string, string[]>();
    for (const o of withValue) {
      const action = bashValue(o.value!);
      byAction.set(action, [...byAction.get(action) ?? [], ...flagsOf(o)]);
    }
    for (const [action, flags] of byAction) {
      const patterns = flags.map((f) => sq(`${key(c)}|${f}`)).join(" | ");
      values.push(`        ${patterns})`, `            ${action}; return 0 ;;`);
    }
    optionLists.push(`        ${sq(key(c))}) opts=${sq(c.options.flatMap(flagsOf).join(" "))} ;;`);
    const subNames = c.commands.map((s) => s.name);
    c.arguments.forEach((a, i) => {
      const last = i === c.arguments.length - 1;
      const pattern = a.variadic && last ? `${sq(`${key(c)}|`)}*` : sq(`${key(c)}|${i}`);
      const action = i === 0 && subNames.length > 0 ? ":" : bashValue(a.value);
      positionals.push(`        ${pattern}) ${action} ;;`);
    });
    if (subNames.length > 0) {
      positionals.unshift(`        ${sq(`${key(c)}|0`)}) words=${sq(subNames.join(" "))} ;;`);
    }
  }
  return `# bash completion for ${program}                                  -*- shell-script -*-
# Generated by \`${program} completions bash\` from ${program}'s own command tree: regenerate it after
# upgrading ${program}. Load it in this shell:   source <(${program} completions bash)
# or for every new shell (bash-completion):  ${program} completions bash > ~/.local/share/bash-completion/completions/${program}
# or without bash-completion:               echo 'source <(${program} completions bash)' >> ~/.bashrc

# shellcheck disable=SC2207
${fn}() {
    local cur prev word path="" npos=0 i=1 opts="" words=""
    COMPREPLY=()
    cur=\${COMP_WORDS[COMP_CWORD]}
    prev=\${COMP_WORDS[COMP_CWORD-1]}
    # bash splits --option=value at "=" (COMP_WORDBREAKS): complete the option's value.
    if [[ $cur == "=" ]]; then
        cur=""
    elif [[ $prev == "=" ]]; then
        prev=\${COMP_WORDS[COMP_CWORD-2]}
    fi
    # The words before the cursor: subcommands, options with their values, positional arguments.
    while ((i < COMP_CWORD)); do
        word=\${COMP_WORDS[i]}
        case "$path|$word" in
${walk.join("\n")}
            *) [[ $word == -* || $word == "=" ]] || npos=$((npos + 1)) ;;
        esac
        i=$((i + 1))
    done
    # The value of an option.
    case "$path|$prev" in
${values.join("\n")}
    esac
    case "$path" in
${optionLists.join("\n")}
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return 0
    fi
    # A subcommand or a positional argument.
    case "$path|$npos" in
${positionals.join("\n")}
    esac
    if [[ -n $words ]]; then
        COMPREPLY+=($(compgen -W "$words" -- "$cur"))
    fi
    if ((\${#COMPREPLY[@]} == 0)) && [[ -z $cur ]]; then
        COMPREPLY=($(compgen -W "$opts" -- ""))
    fi
    return 0
}
complete -F ${fn} ${program}
`;
}

// ---------------------------------------------------------------------------------------------
// zsh

/** Escapes text for a bracketed description or a message field of `_arguments`. */
function zshText(s: string): string {
  return firstLine(s).replace(/[\\\]\[:]/g, (ch) => `\\${ch}`);
}

function zshAction(v: ValueSpec): string {
  switch (v.kind) {
    case "choices":
      return `(${v.choices.map((c) => c.replace(/[\\ ()]/g, (ch) => `\\${ch}`)).join(" ")})`;
    case "file":
      return "_files";
    case "host":
      return "_hosts";
    case "any":
      return " ";
  }
}

function zshOption(o: OptionSpec): string {
  const flags = flagsOf(o);
  const exclusive = o.long === "--help" || o.long === "--version"
    ? "(- *)"
    : !o.repeatable && flags.length > 1
    ? `(${flags.join(" ")})`
    : "";
  const prefix = `${o.repeatable ? "*" : ""}${exclusive}`;
  const desc = `[${zshText(o.description)}]`;
  const value = o.value === undefined
    ? ""
    : `${o.value.optional ? "::" : ":"}${zshText(o.value.name)}:${zshAction(o.value)}`;
  const suffix = (f: string) =>
    o.value === undefined ? "" : f.startsWith("--") ? (o.value.optional ? "=-" : "=") : "+";
  const [flag, ...more] = flags;
  if (flag !== undefined && more.length === 0) {
    return sq(`${prefix}${flag}${suffix(flag)}${desc}${value}`);
  }
  // Brace expansion gives both spellings the same spec.
  return `${sq(prefix)}{${flags.map((f) => `${f}${suffix(f)}`).join(",")}}${sq(desc + value)}`;
}

function zshFunction(c: CommandSpec, program: string, fn: (c: CommandSpec) => string): string {
  const specs = c.options.map(zshOption);
  const lines: string[] = [];
  if (c.commands.length > 0) {
    specs.push(sq("1: :->command"), sq("*:: :->args"));
    const entries = c.commands.map((s) =>
      `        ${sq(`${s.name.replaceAll(":", "\\:")}:${firstLine(s.description)}`)}`
    );
    const dispatch = c.commands.map((s) =>
      `        ${[s.name, ...s.aliases].join("|")}) ${fn(s)} && ret=0 ;;`
    );
    lines.push(
      `${fn(c)}() {`,
      `  local curcontext="$curcontext" state state_descr line ret=1`,
      `  typeset -A opt_args`,
      `  _arguments -C -s -S \\`,
      ...specs.map((s) => `    ${s} \\`),
      `    && ret=0`,
      `  case $state in`,
      `    command)`,
      `      local -a commands=(`,
      ...entries.map((e) => `  ${e}`),
      `      )`,
      `      _describe -t commands ${
        sq(`${[program, ...c.path].join(" ")} command`)
      } commands && ret=0`,
      `      ;;`,
      `    args)`,
      `      curcontext="\${curcontext%:*:*}:${[program, ...c.path].join("-")}-$words[1]:"`,
      `      case $words[1] in`,
      ...dispatch.map((d) => `  ${d}`),
      `      esac`,
      `      ;;`,
      `  esac`,
      `  return ret`,
      `}`,
    );
  } else {
    c.arguments.forEach((a, i) => {
      const position = a.variadic ? "*" : String(i + 1);
      const colon = a.value.optional && !a.variadic ? "::" : ":";
      specs.push(sq(`${position}${colon}${zshText(a.value.name)}:${zshAction(a.value)}`));
    });
    lines.push(
      `${fn(c)}() {`,
      specs.length > 0 ? `  _arguments -s -S \\` : `  _message 'no arguments'`,
      ...specs.map((s, i) => `    ${s}${i < specs.length - 1 ? " \\" : ""}`),
      `}`,
    );
  }
  return lines.join("\n");
}

/** The zsh completion script (a `#compdef` file, or sourced after compinit). */
export function zshScript(spec: CommandSpec): string {
  const program = spec.name;
  const fn = (c: CommandSpec) => `_${ident([program, ...c.path].join("_"))}`;
  const functions = flatten(spec).map((c) => zshFunction(c, program, fn));
  const main = fn(spec);
  return `#compdef ${program}
# zsh completion for ${program}. Generated by \`${program} completions zsh\` from ${program}'s own
# command tree: regenerate it after upgrading ${program}. Load it in this shell (after compinit):
#   source <(${program} completions zsh)
# or for every new shell: save it as _${program} in a directory of $fpath, before compinit runs:
#   ${program} completions zsh > ~/.zfunc/_${program}   # with fpath=(~/.zfunc $fpath) in ~/.zshrc

${functions.join("\n\n")}

if [[ "$funcstack[1]" == "${main}" ]]; then
  ${main} "$@"
else
  compdef ${main} ${program}
fi
`;
}

// ---------------------------------------------------------------------------------------------
// fish

/** Quotes a word for fish. */
function fq(s: string): string {
  return `'${s.replace(/[\\']/g, (ch) => `\\${ch}`)}'`;
}

function fishValue(v: ValueSpec): string {
  switch (v.kind) {
    case "choices":
      return `-x -a ${fq(v.choices.join(" "))}`;
    case "file":
      return "-r -F";
    case "host":
      return `-x -a '(__fish_print_hostnames)'`;
    case "any":
      return "-x";
  }
}

/** The fish completion script. */
export function fishScript(spec: CommandSpec): string {
  const program = spec.name;
  const state = `__${ident(program)}_state`;
  const at = `__${ident(program)}_at`;
  const all = flatten(spec);
  const key = (c: CommandSpec) => c.path.join(" ");
  const cases: string[] = [];
  const completes: string[] = [];
  for (const c of all) {
    const cond = (pos?: number) =>
      `-n ${fq(`${at} "${key(c)}"${pos === undefined ? "" : ` ${pos}`}`)}`;
    for (const sub of c.commands) {
      const patterns = [sub.name, ...sub.aliases].map((n) => fq(`${key(c)}|${n}`)).join(" ");
      cases.push(
        `            case ${patterns}`,
        `                set path ${fq(key(sub))}`,
        `                set npos 0`,
      );
      completes.push(
        `complete -c ${program} ${cond(0)} -a ${fq(sub.name)} -d ${fq(firstLine(sub.description))}`,
      );
    }
    const withValue = c.options.filter((o) => o.value !== undefined);
    if (withValue.length > 0) {
      cases.push(
        `            case ${withValue.flatMap(flagsOf).map((f) => fq(`${key(c)}|${f}`)).join(" ")}`,
        `                set skip 1`,
      );
    }
    for (const o of c.options) {
      const flags = [
        o.short ? `-s ${o.short.slice(1)}` : "",
        o.long ? `-l ${o.long.slice(2)}` : "",
      ].filter((f) => f !== "").join(" ");
      const value = o.value === undefined ? "" : ` ${fishValue(o.value)}`;
      completes.push(
        `complete -c ${program} ${cond()} ${flags}${value} -d ${fq(firstLine(o.description))}`,
      );
    }
    c.arguments.forEach((a, i) => {
      if (i === 0 && c.commands.length > 0) return;
      if (a.value.kind === "any") return;
      const pos = a.variadic ? undefined : i;
      const what = a.value.kind === "file"
        ? "-F"
        : a.value.kind === "host"
        ? `-a '(__fish_print_hostnames)'`
        : `-a ${fq(a.value.choices.join(" "))}`;
      completes.push(`complete -c ${program} ${cond(pos)} ${what}`);
    });
  }
  return `# fish completion for ${program}. Generated by \`${program} completions fish\` from ${program}'s own
# command tree: regenerate it after upgrading ${program}. Load it in this shell:
#   ${program} completions fish | source
# or for every new shell:
#   ${program} completions fish > ~/.config/fish/completions/${program}.fish

# Prints "<subcommand path>|<positional arguments so far>" for the command line before the cursor.
function ${state}
    set -l path ''
    set -l npos 0
    set -l skip 0
    for word in (commandline -opc)[2..-1]
        if test $skip = 1
            set skip 0
            continue
        end
        switch "$path|$word"
${cases.join("\n")}
            case '*'
                string match -q -- '-*' $word; or set npos (math $npos + 1)
        end
    end
    echo "$path|$npos"
end

# True when the cursor is under subcommand path $argv[1] (at positional argument $argv[2], if given).
function ${at}
    set -l now (${state})
    if set -q argv[2]
        test "$now" = "$argv[1]|$argv[2]"
    else
        string match -q -- "$argv[1]|*" "$now"
    end
end

complete -c ${program} -f
${completes.join("\n")}
`;
}

/** The completion script for `shell`, for the program described by `spec`. */
export function completionScript(shell: Shell, spec: CommandSpec): string {
  switch (shell) {
    case "bash":
      return bashScript(spec);
    case "zsh":
      return zshScript(spec);
    case "fish":
      return fishScript(spec);
  }
}

/** The `completions` subcommand; it describes the program it is attached to. */
export function completionsCommand() {
  return new Command("completions")
    .description("print a shell completion script: bash, zsh or fish")
    .addArgument(new Argument("<shell>", "the shell to complete for").choices(SHELLS))
    .addHelpText(
      "after",
      `
Load it in this shell:
  bash:  source <(chat completions bash)
  zsh:   source <(chat completions zsh)        (after compinit)
  fish:  chat completions fish | source
Load it for every new shell:
  bash:  chat completions bash > ~/.local/share/bash-completion/completions/chat
  zsh:   chat completions zsh > ~/.zfunc/_chat   (with fpath=(~/.zfunc $fpath) before compinit)
  fish:  chat completions fish > ~/.config/fish/completions/chat.fish`,
    )
    .action((shell, _options, command) => {
      let root: CommandUnknownOpts = command;
      while (root.parent) root = root.parent;
      const script = completionScript(shell, describeCommand(root));
      const bytes = new TextEncoder().encode(script);
      for (let off = 0; off < bytes.length;) off += Deno.stdout.writeSync(bytes.subarray(off));
    });
}
