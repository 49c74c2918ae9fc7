/**
 * `chat serve --config FILE`: a TOML file whose keys are the long options of `chat serve --help`.
 * Its values go through the same parsers as the command line, so a value means the same in
 * both places; a value is taken from the file only where neither a flag nor a `CHAT_*` variable
 * gave one (flag > env > file > default).
 *
 * Keys: `--port` is `port`; a switch is a boolean under its positive name (`--log-messages` is
 * `log-messages = true`, `--no-plain` is `plain = false`); a repeatable or comma-list option
 * takes an array (`oper = ["alice:secret"]`, `exempt = ["127.0.0.0/8"]`).
 *
 * @module
 */

import type { Command, Option } from "@commander-js/extra-typings";
import { parse, TomlError } from "smol-toml";
import { errorMessage } from "../util/error_message.ts";

/** Options that are not settings (they say where the settings are, or what to do with them). */
const NOT_KEYS = new Set(["config", "print-config", "help"]);

/** A bad configuration file, with the place named: `FILE:LINE: KEY: why`. */
export class ConfigFileError extends Error {}

// deno-lint-ignore no-explicit-any
type AnyCommand = Command<any, any, any>;
type Parser = (value: string, previous: unknown) => unknown;

/** The file key of an option: its long name, positive for a `--no-x` switch. */
export function fileKey(option: Option): string {
  return (option.long ?? "").replace(/^--/, "").replace(option.negate ? /^no-/ : /^$/, "");
}

/** The options a file may set, by key, in `--help` order. */
export function fileOptions(command: AnyCommand): Map<string, Option> {
  const byKey = new Map<string, Option>();
  for (const option of command.options as readonly Option[]) {
    const key = fileKey(option);
    if (key !== "" && !NOT_KEYS.has(key)) byKey.set(key, option);
  }
  return byKey;
}

/** A switch takes no value: true or false in a file. */
export function isSwitch(option: Option): boolean {
  return !option.required && !option.optional;
}

/** A repeatable option: each array item is parsed on top of the ones before. */
function isRepeatable(option: Option): boolean {
  return option.parseArg !== undefined && option.parseArg.length >= 2 && !option.argChoices;
}

/** A comma-list option (its default is a list): array items are joined with commas. */
function isCommaList(option: Option): boolean {
  return Array.isArray(option.defaultValue) && !isRepeatable(option);
}

/** The 1-based line where `key` is set in `text` (0 when it cannot be found). */
export function lineOf(text: string, key: string): number {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const assignment = new RegExp(`^\\s*(["']?)${escaped}\\1\\s*=`);
  const table = new RegExp(`^\\s*\\[+\\s*(["']?)${escaped}\\1\\s*[.\\]]`);
  const lines = text.split(/\r?\n/);
  const i = lines.findIndex((line) => assignment.test(line) || table.test(line));
  return i + 1;
}

/** Turns a file value into what the option's parser would have made of the command line. */
function valueOf(option: Option, value: unknown): unknown {
  const parseArg = option.parseArg as Parser | undefined;
  const parseOne = (v: unknown, previous: unknown) => {
    if (typeof v !== "string" && typeof v !== "number") {
      throw new Error("Expected a string or a number.");
    }
    return parseArg ? parseArg(String(v), previous) : String(v);
  };
  if (isSwitch(option)) {
    if (typeof value !== "boolean") throw new Error("Expected true or false.");
    return value;
  }
  if (Array.isArray(value)) {
    if (isRepeatable(option)) return value.reduce((acc, v) => parseOne(v, acc), []);
    if (isCommaList(option)) {
      if (value.some((v) => typeof v !== "string")) throw new Error("Expected strings.");
      return parseOne(value.join(","), undefined);
    }
    throw new Error("Expected one value, not a list.");
  }
  return parseOne(value, isRepeatable(option) ? [] : undefined);
}

/**
 * Reads `path` and sets each of its values on `command` where the value still comes from the
 * default. Every key is checked, overridden ones too: a bad file is refused whole.
 * Returns the file's values as written, by key, for `--print-config`. Throws `ConfigFileError`.
 */
export async function applyConfigFile(
  command: AnyCommand,
  path: string,
): Promise<Map<string, unknown>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    throw new ConfigFileError(`${path}: cannot read: ${errorMessage(err)}`);
  }
  let table: Record<string, unknown>;
  try {
    table = parse(text);
  } catch (err) {
    const where = err instanceof TomlError ? `${path}:${err.line}` : path;
    const why = errorMessage(err).split("\n")[0]!.replace(/^Invalid TOML document: /, "");
    throw new ConfigFileError(`${where}: not TOML: ${why}`);
  }
  const options = fileOptions(command);
  const values: [Option, unknown][] = [];
  const written = new Map<string, unknown>();
  for (const [key, raw] of Object.entries(table)) {
    const place = `${path}:${lineOf(text, key)}: ${key}`;
    const option = options.get(key);
    if (!option) throw new ConfigFileError(`${place}: unknown key (not an option of chat serve)`);
    try {
      values.push([option, valueOf(option, raw)]);
      written.set(key, raw);
    } catch (err) {
      throw new ConfigFileError(`${place}: ${errorMessage(err)}`);
    }
  }
  for (const [option, value] of values) {
    const name = option.attributeName();
    const source = command.getOptionValueSource(name);
    if (source === "cli" || source === "env") continue;
    command.setOptionValueWithSource(name, value, "config");
  }
  return written;
}
