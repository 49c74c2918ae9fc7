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
import { bashScript } from "./completions/bash.ts";
import { type CommandSpec, describeCommand } from "./completions/command_spec.ts";
import { fishScript } from "./completions/fish.ts";
import { zshScript } from "./completions/zsh.ts";

export { bashScript, describeCommand, fishScript, zshScript };
export type {
  ArgumentSpec,
  CommandSpec,
  OptionSpec,
  ValueSpec,
} from "./completions/command_spec.ts";

/** The shells `chat completions` writes scripts for. */
export const SHELLS = ["bash", "zsh", "fish"] as const;

/** One of {@link SHELLS}. */
export type Shell = typeof SHELLS[number];

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
