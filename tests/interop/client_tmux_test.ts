/**
 * Interactive `chat join` in a real terminal: tmux runs it detached at a fixed size, send-keys
 * types, capture-pane reads the screen. Checks that a message arriving while the user types is
 * shown above the input line without destroying the half-typed text, that the finished line is
 * delivered, and that /help, tab completion, history, window keys and Ctrl-C work.
 */
import assert from "node:assert/strict";
import { DEADLINE_MS, TestClient } from "../../scripts/support/irc_client.ts";
import { hasProgram } from "../../scripts/support/peers.ts";
import { testServer } from "../helpers/server.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** A tmux server on a private socket (other people's tmux sessions are never touched). */
class Tmux {
  readonly #socket: string;
  constructor(dir: string) {
    this.#socket = `${dir}/tmux.sock`;
  }

  async run(...args: string[]): Promise<{ ok: boolean; out: string }> {
    const r = await new Deno.Command("tmux", { args: ["-S", this.#socket, ...args] }).output();
    return { ok: r.success, out: new TextDecoder().decode(r.stdout) };
  }

  /** The visible screen, trailing blank lines removed. */
  async screen(): Promise<string[]> {
    const lines = (await this.run("capture-pane", "-p", "-t", "chat")).out.split("\n");
    while (lines.length > 0 && lines.at(-1)!.trim() === "") lines.pop();
    return lines;
  }

  /**
   * Waits until the screen satisfies `test`. A terminal has no event to wait on, so this polls
   * the screen every 50 ms up to a deadline; it never sleeps a fixed time in place of waiting.
   */
  async waitForScreen(test: (lines: string[]) => boolean, what: string): Promise<string[]> {
    const deadline = Date.now() + DEADLINE_MS * 2;
    for (;;) {
      const lines = await this.screen();
      if (test(lines)) return lines;
      if (Date.now() > deadline) {
        throw new Error(`screen never showed ${what}:\n${lines.join("\n")}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  keys(...keys: string[]): Promise<{ ok: boolean }> {
    return this.run("send-keys", "-t", "chat", ...keys);
  }

  type(text: string): Promise<{ ok: boolean }> {
    return this.run("send-keys", "-t", "chat", "-l", text);
  }
}

const inputLine = (lines: string[]) => lines.at(-1) ?? "";

Deno.test({
  name: "chat join in tmux: typed text survives arriving messages; keys and commands work",
  ignore: !hasProgram("tmux"),
  async fn() {
    const server = await testServer();
    const port = server.addr.port;
    const dir = await Deno.makeTempDir({ prefix: "chat-tmux-" });
    const tmux = new Tmux(dir);
    const bob = await TestClient.register(port, "bob");
    try {
      await bob.send("JOIN #lobby");
      await bob.expect("366");
      const started = await tmux.run(
        "new-session",
        "-d",
        "-s",
        "chat",
        "-x",
        "100",
        "-y",
        "30",
        `${Deno.execPath()} run --allow-net --allow-env ${MAIN} join 127.0.0.1:${port} --nick alice`,
      );
      assert.ok(started.ok, "tmux started");
      assert.equal((await bob.expect("JOIN")).source?.split("!")[0], "alice");
      await tmux.waitForScreen((l) => inputLine(l) === "[#lobby]", "the #lobby prompt");

      // Half a line typed, then a message arrives.
      await tmux.type("half typed tex");
      await tmux.waitForScreen((l) => inputLine(l) === "[#lobby] half typed tex", "typed text");
      await bob.send("PRIVMSG #lobby :a message while you type");
      await bob.send("PRIVMSG #lobby :and alice gets mentioned");
      const screen = await tmux.waitForScreen(
        (l) => l.some((x) => x.includes("!<bob> and alice gets mentioned")),
        "the arrived messages",
      );
      assert.ok(
        screen.some((x) => /^\d\d:\d\d {2}<bob> a message while you type$/.test(x)),
        screen.join("\n"),
      );
      assert.equal(inputLine(screen), "[#lobby] half typed tex", "the half-typed text is intact");
      assert.equal(screen.filter((x) => x.includes("half typed")).length, 1);

      // Finishing the line sends it; the input line is cleared and the message shown once.
      await tmux.type("t");
      await tmux.keys("Enter");
      assert.deepEqual((await bob.expect("PRIVMSG")).params, ["#lobby", "half typed text"]);
      const after = await tmux.waitForScreen(
        (l) =>
          l.some((x) => /^\d\d:\d\d ><alice> half typed text$/.test(x)) &&
          inputLine(l) === "[#lobby]",
        "our own line, marked",
      );
      assert.equal(after.filter((x) => x.includes("half typed text")).length, 1, after.join("\n"));

      // Tab completes a nick at line start with ": ".
      await tmux.type("bo");
      await tmux.keys("Tab");
      await tmux.waitForScreen((l) => inputLine(l) === "[#lobby] bob:", "the completed nick");
      await tmux.type("ping");
      await tmux.keys("Enter");
      assert.deepEqual((await bob.expect("PRIVMSG")).params, ["#lobby", "bob: ping"]);

      // Up recalls the last line.
      await tmux.keys("Up");
      await tmux.waitForScreen((l) => inputLine(l) === "[#lobby] bob: ping", "history");
      await tmux.keys("C-u");
      await tmux.waitForScreen((l) => inputLine(l) === "[#lobby]", "a cleared line");

      // /help lists the commands, one line each.
      await tmux.type("/help");
      await tmux.keys("Enter");
      const help = await tmux.waitForScreen(
        (l) => l.some((x) => x.includes("/quit [reason]")) && l.some((x) => x.includes("Alt-1")),
        "the help text",
      );
      for (
        const c of [
          "/join",
          "/part",
          "/msg",
          "/query",
          "/me",
          "/nick",
          "/topic",
          "/names",
          "/who ",
          "/whois",
          "/list",
          "/away",
          "/raw",
          "/switch",
        ]
      ) {
        assert.ok(help.some((x) => x.includes(`  ${c}`)), `${c} in /help:\n${help.join("\n")}`);
      }

      // /join switches to the new channel; Alt-1 switches back (its unread line read); a private
      // message is marked.
      await tmux.type("/join #dev");
      await tmux.keys("Enter");
      await tmux.waitForScreen((l) => inputLine(l) === "[#dev]", "the #dev prompt");
      await bob.send("PRIVMSG #lobby :over here");
      await bob.send("PRIVMSG alice :psst");
      await tmux.waitForScreen(
        (l) =>
          l.some((x) => / {2}#lobby <bob> over here$/.test(x)) &&
          l.some((x) => / {2}\*bob\* psst$/.test(x)),
        "the channel label and the private message",
      );
      // the prompt counts the unread lines of the other conversations
      await tmux.waitForScreen(
        (l) => inputLine(l) === "[#dev | #lobby 1, bob 1]",
        "the unread counts",
      );
      await tmux.keys("M-1");
      await tmux.waitForScreen((l) => inputLine(l) === "[#lobby | bob 1]", "Alt-1 back to #lobby");
      await tmux.keys("M-3");
      await tmux.waitForScreen((l) => inputLine(l) === "[bob]", "Alt-3 to the private chat");

      // Ctrl-C quits with a QUIT.
      await tmux.keys("C-c");
      const quit = await bob.expect("QUIT");
      assert.equal(quit.source?.split("!")[0], "alice");
    } finally {
      await tmux.run("kill-server");
      await bob.close();
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "chat join in tmux: a pasted block goes out as one multiline message, typing does not",
  ignore: !hasProgram("tmux"),
  async fn() {
    const server = await testServer();
    const port = server.addr.port;
    const dir = await Deno.makeTempDir({ prefix: "chat-tmux-" });
    const tmux = new Tmux(dir);
    const bob = await TestClient.register(port, "bob", ["batch", "draft/multiline"]);
    try {
      await bob.send("JOIN #lobby");
      await bob.expect("366");
      const started = await tmux.run(
        "new-session",
        "-d",
        "-s",
        "chat",
        "-x",
        "100",
        "-y",
        "30",
        `${Deno.execPath()} run --allow-net --allow-env ${MAIN} join 127.0.0.1:${port} --nick alice`,
      );
      assert.ok(started.ok, "tmux started");
      await bob.expect("JOIN");
      await tmux.waitForScreen((l) => inputLine(l) === "[#lobby]", "the #lobby prompt");

      // a paste reaches the terminal in one write, its line feeds as Enter
      const paste = ["def f(x):", "    return x", "/not a command inside a paste"];
      assert.ok((await tmux.run("set-buffer", "-b", "p", paste.join("\n") + "\n")).ok);
      assert.ok((await tmux.run("paste-buffer", "-b", "p", "-t", "chat")).ok);
      const open = await bob.expect((m) => m.command === "BATCH");
      assert.deepEqual(open.params.slice(1), ["draft/multiline", "#lobby"]);
      const lines = [];
      for (let m = await bob.expect(() => true); m.command !== "BATCH";) {
        lines.push(m.params[1]);
        m = await bob.expect(() => true);
      }
      assert.deepEqual(lines, paste);
      await tmux.waitForScreen(
        (l) => paste.every((p) => l.some((x) => x.endsWith(`><alice> ${p}`))),
        "the pasted lines, shown as ours",
      );

      // lines typed one at a time stay single messages
      await tmux.type("typed");
      await tmux.keys("Enter");
      const typed = await bob.expect((m) => m.command === "PRIVMSG" || m.command === "BATCH");
      assert.deepEqual([typed.command, typed.tags?.batch, typed.params], [
        "PRIVMSG",
        undefined,
        ["#lobby", "typed"],
      ]);
    } finally {
      await tmux.run("kill-server");
      await bob.close();
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
