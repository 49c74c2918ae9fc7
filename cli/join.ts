/**
 * `chat join [host[:port]]`: the terminal client. Options (each also from a `CHAT_*` variable)
 * are validated here with one-line errors; then interactive mode runs when stdin and stdout
 * are terminals, pipe mode otherwise.
 *
 * @module
 */

import { Command, InvalidArgumentError, Option } from "@commander-js/extra-typings";
import process from "node:process";
import { nickProblem } from "../protocol/names.ts";
import type { ServerAddress } from "../client/connection.ts";
import { useColor } from "../client/format.ts";
import { readLines, runPipe } from "../client/pipe.ts";
import type { SessionConfig } from "../client/session.ts";
import { runTerminal } from "../client/terminal.ts";
import { errorMessage } from "../util/error_message.ts";

/** Where `chat join` connects when no server is given. */
export const DEFAULT_SERVER = "127.0.0.1:6667";
/** Longest nick accepted on the command line (servers may allow less; they then say so). */
const MAX_NICK = 30;

/** Parses `host`, `host:port`, `[v6]:port` or a bare IPv6 address (port 6667 by default). */
export function parseServer(value: string, defaultPort = 6667): ServerAddress {
  const fail = () => {
    throw new InvalidArgumentError("Expected host or host:port, like irc.example.org:6667.");
  };
  let host = value;
  let port = String(defaultPort);
  const bracketed = /^\[([0-9A-Fa-f:.]+)\](?::(\d+))?$/.exec(value);
  if (bracketed) {
    const [, address = "", number] = bracketed;
    host = address;
    port = number ?? port;
  } else if ((value.match(/:/g) ?? []).length === 1) {
    [host = "", port = ""] = value.split(":");
  }
  if (!/^[A-Za-z0-9.:\-_]+$/.test(host) || !/^\d{1,5}$/.test(port)) fail();
  const n = Number(port);
  if (n < 1 || n > 65535) fail();
  return { host, port: n };
}

/** `account:password` for SASL PLAIN. */
export function parseSasl(value: string): { account: string; password: string } {
  const colon = value.indexOf(":");
  if (colon < 1 || colon === value.length - 1 || /[\0\r\n]/.test(value)) {
    throw new InvalidArgumentError("Expected ACCOUNT:PASSWORD.");
  }
  return { account: value.slice(0, colon), password: value.slice(colon + 1) };
}

/** Validates a nickname by RFC 2812's grammar. */
export function parseNick(value: string): string {
  const problem = nickProblem(value, MAX_NICK);
  if (problem === "empty") throw new InvalidArgumentError("Expected a nickname.");
  if (problem === "too-long") {
    throw new InvalidArgumentError(`Expected at most ${MAX_NICK} characters.`);
  }
  if (problem === "invalid") {
    throw new InvalidArgumentError(
      "Expected letters, digits and [ ] \\ ` _ ^ { | } -, not starting with a digit or -.",
    );
  }
  return value;
}

/**
 * Collects channels: repeatable, each value may be a comma list, and `#` is added when missing
 * (an unquoted `#ops` is a comment to the shell, so `--channel ops` is the easy spelling).
 */
export function collectChannels(value: string, previous: string[]): string[] {
  const out = [...previous];
  for (const raw of value.split(",").map((c) => c.trim()).filter((c) => c !== "")) {
    const name = /^[#&+!]/.test(raw) ? raw : `#${raw}`;
    // deno-lint-ignore no-control-regex
    if (name.length < 2 || name.length > 64 || /[\x00-\x20,\x07\x7f]/.test(name)) {
      throw new InvalidArgumentError("Expected channel names like #lobby (no spaces or commas).");
    }
    if (!out.some((c) => c.toLowerCase() === name.toLowerCase())) out.push(name);
  }
  return out;
}

/** Free text with no line breaks (realname, password). */
export function parseText(value: string): string {
  if (value === "" || /[\r\n\0]/.test(value)) {
    throw new InvalidArgumentError("Expected non-empty text on one line.");
  }
  return value;
}

/** The login name made into a valid nick (`john.doe` → `john_doe`), or `guest`. */
export function defaultNick(login: string | undefined): string {
  let nick = (login ?? "").replace(/[^A-Za-z0-9\[\]\\`_^{|}-]/g, "_").slice(0, MAX_NICK);
  if (/^[0-9-]/.test(nick)) nick = `u${nick}`.slice(0, MAX_NICK);
  return nick === "" || nickProblem(nick, MAX_NICK) ? "guest" : nick;
}

function loginName(): string | undefined {
  for (const key of ["USER", "LOGNAME", "USERNAME"]) {
    try {
      const v = Deno.env.get(key);
      if (v) return v;
    } catch { /* no env permission */ }
  }
  return undefined;
}

/** The `join` subcommand. */
export function joinCommand() {
  const login = defaultNick(loginName());
  return new Command("join")
    .description("chat from the terminal (interactive), or send stdin lines to a channel (pipe)")
    .argument("[server]", `host[:port] to connect to (env CHAT_SERVER, default ${DEFAULT_SERVER})`)
    .addOption(
      new Option("-n, --nick <nick>", "your nickname").env("CHAT_NICK").default(login)
        .argParser(parseNick),
    )
    .addOption(
      new Option("-c, --channel <channel>", "channel to join; repeatable, or a comma list")
        .env("CHAT_CHANNEL").argParser(collectChannels).default([], "#lobby"),
    )
    .addOption(
      new Option("--realname <text>", "real name shown in WHOIS (default: the nick)")
        .env("CHAT_REALNAME").argParser(parseText),
    )
    .addOption(
      new Option("--password <password>", "server password (PASS)").env("CHAT_PASSWORD")
        .argParser(parseText),
    )
    .addOption(
      new Option("--sasl <account:password>", "log in to an account with SASL PLAIN")
        .env("CHAT_SASL").argParser(parseSasl),
    )
    .addOption(
      new Option("--tls", "connect with TLS (default port 6697), verifying the certificate")
        .env("CHAT_TLS"),
    )
    .addOption(
      new Option("--insecure", "with --tls: accept any certificate (self-signed); warns")
        .env("CHAT_INSECURE"),
    )
    .addOption(
      new Option("--ca-file <pem>", "with --tls: also trust the CA certificates in this file")
        .env("CHAT_CA_FILE"),
    )
    .addHelpText(
      "after",
      "\nInteractive when stdin and stdout are terminals (type /help there); otherwise every\n" +
        "stdin line is sent to the first channel and messages are printed as\n" +
        "'[HH:MM:SS] #channel <nick> text'; at end of input it quits (exit 0 when delivered).",
    )
    .action(async (server, opts, command) => {
      let address: ServerAddress;
      const given = server ?? Deno.env.get("CHAT_SERVER") ?? DEFAULT_SERVER;
      try {
        address = parseServer(given, opts.tls ? 6697 : 6667);
      } catch (err) {
        command.error(`error: server '${given}' is invalid. ${errorMessage(err)}`);
      }
      if ((opts.insecure || opts.caFile) && !opts.tls) {
        command.error("error: --insecure and --ca-file need --tls.");
      }
      let caCerts: string[] | undefined;
      if (opts.caFile) {
        try {
          caCerts = [await Deno.readTextFile(opts.caFile)];
        } catch (err) {
          command.error(`error: cannot read CA file ${opts.caFile}: ${errorMessage(err)}`);
        }
      }
      if (opts.insecure) {
        console.error("warning: --insecure: the server's TLS certificate is not checked");
      }
      const channels = opts.channel.length > 0 ? [...opts.channel] : ["#lobby"];
      const config: SessionConfig = {
        server: address!,
        identity: {
          nick: opts.nick,
          username: login,
          realname: opts.realname || opts.nick, // an empty one would be refused (461)
          password: opts.password,
          sasl: opts.sasl,
        },
        tls: opts.tls ? { insecure: opts.insecure === true, caCerts } : undefined,
        channels,
      };
      const interactive = Deno.stdin.isTerminal() && Deno.stdout.isTerminal();
      let code: number;
      if (interactive) {
        const color = useColor(
          { NO_COLOR: Deno.env.get("NO_COLOR"), TERM: Deno.env.get("TERM") },
          true,
        );
        code = await runTerminal(config, { color, bell: true });
      } else {
        const encoder = new TextEncoder();
        const write = (stream: typeof Deno.stdout | typeof Deno.stderr, line: string) => {
          const bytes = encoder.encode(line + "\n");
          let off = 0;
          while (off < bytes.length) off += stream.writeSync(bytes.subarray(off));
        };
        const interrupted = new AbortController();
        const stop = () => interrupted.abort();
        Deno.addSignalListener("SIGINT", stop);
        if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", stop);
        code = await runPipe(config, {
          lines: untilAborted(readLines(Deno.stdin.readable), interrupted.signal),
          out: (line) => write(Deno.stdout, line),
          err: (line) => write(Deno.stderr, line),
        });
      }
      process.exitCode = code;
      Deno.exit(code);
    });
}

/** Ends an async iteration early when `signal` fires (Ctrl-C in pipe mode: quit cleanly). */
async function* untilAborted<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncIterable<T> {
  const iterator = source[Symbol.asyncIterator]();
  const aborted = new Promise<IteratorResult<T>>((resolve) =>
    signal.addEventListener("abort", () => resolve({ done: true, value: undefined }), {
      once: true,
    })
  );
  for (;;) {
    const next = await Promise.race([iterator.next(), aborted]);
    if (next.done) return;
    yield next.value;
  }
}
