/**
 * chat: a multi-user chat server and its terminal client in one binary.
 * This file only wires the command line; each subcommand lives in `cli/`.
 *
 * @module
 */

import { Command } from "@commander-js/extra-typings";
import { benchCommand } from "./cli/bench.ts";
import { completionsCommand } from "./cli/completions.ts";
import { joinCommand } from "./cli/join.ts";
import { serveCommand } from "./cli/serve.ts";
import { versionLine } from "./version.ts";

const program = new Command()
  .name("chat")
  .description("A multi-user chat server (IRC and plain text) and its terminal client.")
  .version(versionLine(), "-V, --version", "print the version, Deno version and target")
  .showSuggestionAfterError(true)
  .addCommand(serveCommand())
  .addCommand(joinCommand())
  .addCommand(completionsCommand())
  .addCommand(benchCommand());

await program.parseAsync(Deno.args, { from: "user" });
