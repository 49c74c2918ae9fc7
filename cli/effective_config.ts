/**
 * The effective settings of `chat serve` as a config file would write them (`--print-config`,
 * and what REHASH compares): each key's value as given (flag, variable or file) or its default,
 * in the units the options take (days, seconds, `512k`), with secrets masked for printing.
 *
 * @module
 */

import type { Command, Option } from "@commander-js/extra-typings";
import { fileOptions, isSwitch } from "./config_file.ts";

// deno-lint-ignore no-explicit-any
type AnyCommand = Command<any, any, any>;

/** A setting's value in a file: a number, string, boolean or list; undefined when not set. */
export type Setting = string | number | boolean | (string | number)[] | undefined;

/** What was written on the command line or in a variable, by option attribute. */
export type RawValues = Map<string, string[]>;

/**
 * Wraps each option's parser to keep the text it was given, so a setting prints as written
 * (`30` days, not milliseconds). Call before parsing; snapshot the result before the file is
 * applied (its values are kept separately).
 */
export function recordRawValues(command: AnyCommand): RawValues {
  const raw: RawValues = new Map();
  for (const option of command.options as readonly Option[]) {
    const parse = option.parseArg as ((v: string, p: unknown) => unknown) | undefined;
    if (isSwitch(option)) continue;
    const name = option.attributeName();
    const repeat = parse !== undefined && parse.length >= 2 && !option.argChoices;
    // the wrapper keeps the parser's arity: config_file.ts tells repeatable options by it
    option.argParser(
      repeat
        ? (value: string, previous: unknown) => {
          raw.set(name, [...(raw.get(name) ?? []), value]);
          return parse!(value, previous);
        }
        : (value: string) => {
          raw.set(name, [value]);
          return parse ? parse(value, undefined) : value;
        },
    );
  }
  return raw;
}

const NUMBER = /^\d+(\.\d+)?$/;
const item = (v: string | number) => typeof v === "string" && NUMBER.test(v) ? Number(v) : v;

function defaultSetting(option: Option): Setting {
  const d = option.defaultValue;
  const description = option.defaultValueDescription;
  if (Array.isArray(d)) return d as string[];
  const shown = description ?? (d === undefined ? undefined : String(d));
  if (shown === undefined) return undefined;
  const repeat = option.parseArg !== undefined && option.parseArg.length >= 2 &&
    !option.argChoices;
  return repeat ? shown.split(",").map(item) : item(shown);
}

/** Every key's effective setting, in `--help` order. */
export function effectiveSettings(
  command: AnyCommand,
  given: RawValues,
  fromFile: Map<string, unknown>,
): Map<string, Setting> {
  const settings = new Map<string, Setting>();
  for (const [key, option] of fileOptions(command)) {
    const name = option.attributeName();
    const source = command.getOptionValueSource(name);
    const raw = given.get(name);
    let value: Setting;
    if (isSwitch(option)) value = command.getOptionValue(name) === true;
    else if (source === "config") value = fromFile.get(key) as Setting;
    else if ((source === "cli" || source === "env") && raw) {
      const list = Array.isArray(option.defaultValue) || raw.length > 1 ||
        (option.parseArg?.length ?? 0) >= 2 && !option.argChoices;
      value = list ? raw.flatMap((r) => r.split(",")).map(item) : item(raw[0]!);
    } else value = defaultSetting(option);
    settings.set(key, value);
  }
  return settings;
}

const MASK = "********";

/** Hides secrets: passwords, secrets, the password part of `name:password` and of URLs. */
export function maskSetting(key: string, value: Setting): Setting {
  if (value === undefined || typeof value === "boolean") return value;
  if (/password|secret/.test(key)) return Array.isArray(value) ? value.map(() => MASK) : MASK;
  const one = (v: string | number): string | number => {
    if (typeof v !== "string") return v;
    if (key === "oper" || /webirc/.test(key)) return v.replace(/:.*$/, `:${MASK}`);
    return v.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@]*:)[^/@]*@/i, `$1${MASK}@`);
  };
  return Array.isArray(value) ? value.map(one) : one(value);
}

const toml = (v: string | number | boolean) => typeof v === "string" ? JSON.stringify(v) : `${v}`;

/** The settings as a TOML file (masked); unset keys are commented out. */
export function formatSettings(settings: Map<string, Setting>): string {
  const lines: string[] = [];
  for (const [key, value] of settings) {
    const shown = maskSetting(key, value);
    if (shown === undefined) lines.push(`# ${key} = (not set)`);
    else if (Array.isArray(shown)) lines.push(`${key} = [${shown.map(toml).join(", ")}]`);
    else lines.push(`${key} = ${toml(shown)}`);
  }
  return lines.join("\n") + "\n";
}
