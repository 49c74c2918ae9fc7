/**
 * Oper classes: what each server operator may do. An `--oper NAME/CLASS:PASSWORD` names one of
 * the built-in classes below, or lists privileges joined by `+` (`kill+wallops`); an `--oper
 * NAME:PASSWORD` (no class) may do everything, as before classes existed. Pure data and parsing;
 * the commands ask `User.hasPrivilege`.
 *
 * @module
 */

/** Every privilege, in the order `admin` lists them. */
export const PRIVILEGES = [
  "kill",
  "kline",
  "dline",
  "rehash",
  "wallops",
  "see-hosts",
  "bypass-limits",
] as const;

/** One thing an oper may be allowed: KILL, K-lines, D-lines, REHASH, WALLOPS, hosts, limits. */
export type Privilege = typeof PRIVILEGES[number];

/** The built-in classes: few and fixed, so a typo in a config fails at startup, not at use. */
export const OPER_CLASSES: Readonly<Record<string, readonly Privilege[]>> = {
  admin: PRIVILEGES,
  moderator: ["kill", "kline", "wallops"],
};

/** What an oper given without a class may do: everything (the behaviour before classes). */
export const ALL_PRIVILEGES: ReadonlySet<Privilege> = new Set(PRIVILEGES);

/**
 * The privileges of class `name`, a built-in class or privileges joined by `+`; undefined when it
 * names neither (a typo must fail at startup, not grant or deny silently).
 */
export function classPrivileges(name: string): ReadonlySet<Privilege> | undefined {
  if (Object.hasOwn(OPER_CLASSES, name)) return new Set(OPER_CLASSES[name]);
  const listed = name.split("+");
  if (!listed.every((p): p is Privilege => (PRIVILEGES as readonly string[]).includes(p))) {
    return undefined;
  }
  return new Set(listed);
}

/** An `--oper` value taken apart. */
export interface OperSpec {
  name: string;
  password: string;
  /** A built-in class or `+`-joined privileges; absent: every privilege. */
  operClass?: string;
}

/**
 * Parses `NAME:PASSWORD` or `NAME/CLASS:PASSWORD`. The password is everything after the first
 * `:` (it may hold `:` and `/`), so the class goes with the name, before it.
 */
export function parseOperSpec(value: string): OperSpec | { error: string } {
  const colon = value.indexOf(":");
  if (colon < 1 || colon === value.length - 1) {
    return { error: "Expected NAME:PASSWORD or NAME/CLASS:PASSWORD." };
  }
  const password = value.slice(colon + 1);
  const head = value.slice(0, colon);
  const slash = head.indexOf("/");
  if (slash === -1) return { name: head, password };
  const name = head.slice(0, slash);
  const operClass = head.slice(slash + 1);
  if (name === "") return { error: "Expected a name before the '/'." };
  if (!classPrivileges(operClass)) {
    const known = [...Object.keys(OPER_CLASSES), ...PRIVILEGES].join(", ");
    return {
      error: `Unknown oper class "${operClass}": a class or privileges joined by "+" (${known}).`,
    };
  }
  return { name, password, operClass };
}

/** The privileges an oper credential grants. */
export function privilegesOf(spec: { operClass?: string }): ReadonlySet<Privilege> {
  return spec.operClass === undefined
    ? ALL_PRIVILEGES
    : classPrivileges(spec.operClass) ?? new Set();
}
