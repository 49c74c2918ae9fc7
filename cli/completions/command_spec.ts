/**
 * The model completion scripts are generated from: the program's commands, options and
 * positional arguments as read from its commander tree, with what each value completes to. The
 * shell generators see only this, never commander.
 *
 * @module
 */

import type { CommandUnknownOpts } from "@commander-js/extra-typings";

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

/** The command and all its subcommands, depth first: each shell script has a case for every one. */
export function flatten(spec: CommandSpec): CommandSpec[] {
  return [spec, ...spec.commands.flatMap(flatten)];
}

/** Both spellings of an option (`-p`, `--port`), for the scripts that match either. */
export function flagsOf(o: OptionSpec): string[] {
  return [o.short, o.long].filter((f): f is string => f !== undefined);
}
