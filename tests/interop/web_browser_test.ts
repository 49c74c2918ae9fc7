/**
 * The built-in web page in a real browser: Debian's Chromium driven by playwright-core (never a
 * downloaded browser). Two pages, used with the keyboard only, and one TCP IRC client chat in
 * one channel; unread counts, the member list, nick completion, the phone layout, and reconnecting
 * after the server restarts are checked on the way. A screenshot goes to tests/output/.
 */

import assert from "node:assert/strict";
import type { BrowserContext, Page } from "playwright-core";
import { CAPABILITIES } from "../../server/capabilities.ts";
import type { RunningServer } from "../../server/server.ts";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { CHROMIUM, haveChromium, launchChromium } from "../helpers/chromium.ts";
import { testServer } from "../helpers/server.ts";

const OUTPUT = new URL("../output/", import.meta.url).pathname;
const SCREENSHOT = `${OUTPUT}web_chat.png`;
const WAIT_MS = 10_000;

/** Types a nickname into the focused login form with the keyboard and connects. */
async function logInWithKeyboard(page: Page, nick: string): Promise<void> {
  // The nick field has autofocus; a keyboard user who lands elsewhere tabs to it.
  for (let i = 0; i < 5 && await activeId(page) !== "nick"; i++) await page.keyboard.press("Tab");
  assert.equal(await activeId(page), "nick", "the nick field takes the focus");
  await page.keyboard.type(nick);
  await page.keyboard.press("Enter");
  await page.locator("#status", { hasText: `Connected as ${nick}` }).waitFor({ timeout: WAIT_MS });
  assert.equal(await activeId(page), "input", "the message box has the focus once connected");
}

async function activeId(page: Page): Promise<string> {
  // A string, evaluated in the page: this file has no DOM types.
  return String(await page.evaluate("document.activeElement ? document.activeElement.id : ''"));
}

/** Types a line into the message box (which has the focus) and presses Enter. */
async function say(page: Page, text: string): Promise<void> {
  assert.equal(await activeId(page), "input");
  await page.keyboard.type(text);
  await page.keyboard.press("Enter");
}

function seeMessage(page: Page, text: string) {
  return page.locator("#messages li", { hasText: text }).first().waitFor({ timeout: WAIT_MS });
}

/** Starts a server whose web page listens on `webPort` (0: any), retrying while it is freed. */
async function startOn(webPort: number): Promise<RunningServer> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      return await testServer({ webPort });
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

Deno.test({
  name: "browser: two keyboard-only pages and a TCP client chat in one channel" +
    (haveChromium ? "" : ` [IGNORED: ${CHROMIUM} missing: apt-get install chromium]`),
  ignore: !haveChromium,
  async fn() {
    await Deno.mkdir(OUTPUT, { recursive: true });
    let server = await startOn(0);
    const webPort = server.webAddr!.port;
    const url = `http://127.0.0.1:${webPort}/`;
    const profile = await Deno.makeTempDir({ prefix: "chat-chromium-" });
    let context: BrowserContext | undefined;
    const tcp = await TestClient.register(server.addr.port, "carl");
    const problems: string[] = [];
    try {
      context = await launchChromium(profile);
      const [anna, bert] = [await context.newPage(), await context.newPage()];
      for (const page of [anna, bert]) {
        page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
        page.on("console", (m) => {
          if (m.type() === "error") problems.push(`console: ${m.text()}`);
        });
        await page.goto(url);
      }

      await tcp.send("JOIN #lobby");
      await tcp.expect("366");
      await tcp.send("PRIVMSG #lobby :said before anna came");
      await tcp.sync();

      await logInWithKeyboard(anna, "anna"); // joins #lobby, the login form's default
      await anna.locator("#buffer-title", { hasText: "#lobby" }).waitFor({ timeout: WAIT_MS });
      if (CAPABILITIES.has("draft/chathistory")) {
        // The server keeps history: the page asked for it on joining and shows it first.
        await seeMessage(anna, "said before anna came");
        await anna.locator("#messages li.divider").waitFor({ timeout: WAIT_MS });
      }
      await say(anna, "/join #browsers");
      await anna.locator("#buffer-title", { hasText: "#browsers" }).waitFor({ timeout: WAIT_MS });
      await logInWithKeyboard(bert, "bert");
      await say(bert, "/join #browsers");
      await bert.locator("#buffer-title", { hasText: "#browsers" }).waitFor({ timeout: WAIT_MS });
      await tcp.send("JOIN #browsers");
      await tcp.expect((m) => m.command === "366" && m.params[1] === "#browsers");
      await anna.locator("#member-list li", { hasText: "carl" }).waitFor({ timeout: WAIT_MS });
      assert.equal(await anna.locator("#member-list li").count(), 3, "anna, bert and carl");

      await say(anna, "hello from anna");
      await seeMessage(bert, "hello from anna");
      assert.deepEqual((await tcp.expect("PRIVMSG")).params, ["#browsers", "hello from anna"]);
      await say(bert, "hello from bert");
      await seeMessage(anna, "hello from bert");
      assert.deepEqual((await tcp.expect("PRIVMSG")).params, ["#browsers", "hello from bert"]);
      await tcp.send("PRIVMSG #browsers :hello from carl on IRC");
      await seeMessage(anna, "hello from carl on IRC");
      await seeMessage(bert, "hello from carl on IRC");
      await say(bert, "/me waves");
      await seeMessage(anna, "* bert waves");

      // Deleting one's own message (draft/message-redaction): the line leaves both pages; the
      // TCP client without the capability is told in a NOTICE.
      await say(anna, "a typo to delete");
      await seeMessage(bert, "a typo to delete");
      await tcp.expect((m) => m.command === "PRIVMSG" && m.params[1] === "a typo to delete");
      assert.equal(
        await bert.locator("#messages li", { hasText: "hello from carl" }).locator(".delete")
          .count(),
        0,
        "no Delete on others' messages",
      );
      const typo = anna.locator("#messages li", { hasText: "a typo to delete" });
      await typo.locator("button.delete").focus();
      await anna.keyboard.press("Enter");
      for (const page of [anna, bert]) {
        await page.locator("#messages li", { hasText: "a typo to delete" }).waitFor({
          state: "detached",
          timeout: WAIT_MS,
        });
      }
      const told = await tcp.expect("NOTICE");
      assert.match(told.params[1]!, /^anna deleted their message/);
      await anna.locator("#input").focus();

      // A message in #lobby, which anna is not looking at, shows as unread.
      await tcp.send("PRIVMSG #lobby :anna, are you there?");
      const lobby = anna.locator("#buffer-list button", { hasText: "#lobby" });
      await lobby.locator(".unread", { hasText: "1" }).waitFor({ timeout: WAIT_MS });

      // Tab completes a nick at the start of the line.
      await anna.keyboard.type("be");
      await anna.keyboard.press("Tab");
      assert.equal(await anna.inputValue("#input"), "bert: ");
      await anna.keyboard.type("see you");
      await anna.keyboard.press("Enter");
      await seeMessage(bert, "bert: see you");

      // Alt+Down/Up switch conversations from the keyboard; the unread count is cleared.
      await anna.keyboard.press("Alt+ArrowDown");
      await anna.locator("#buffer-title", { hasText: "#lobby" }).waitFor({ timeout: WAIT_MS });
      assert.equal(await lobby.locator(".unread").count(), 0);
      await seeMessage(anna, "anna, are you there?");
      await anna.keyboard.press("Alt+ArrowUp");
      await anna.locator("#buffer-title", { hasText: "#browsers" }).waitFor({ timeout: WAIT_MS });

      await anna.screenshot({ path: SCREENSHOT });
      console.log(`screenshot: ${SCREENSHOT}`);

      // A phone: the lists fold away behind header buttons.
      await bert.setViewportSize({ width: 390, height: 740 });
      assert.equal(await bert.locator("#channels").isVisible(), false);
      await bert.locator("#show-channels").focus();
      await bert.keyboard.press("Enter");
      assert.equal(await bert.locator("#channels").isVisible(), true);
      assert.equal(await bert.getAttribute("#show-channels", "aria-expanded"), "true");
      await bert.keyboard.press("Escape");
      assert.equal(await bert.locator("#channels").isVisible(), false);
      await bert.screenshot({ path: `${OUTPUT}web_chat_phone.png` });

      // The server goes away and comes back on the same port: the pages reconnect and rejoin.
      await tcp.close();
      await server.shutdown();
      await anna.locator("#status", { hasText: "Reconnecting" }).waitFor({ timeout: WAIT_MS });
      server = await startOn(webPort);
      for (const page of [anna, bert]) {
        await page.locator("#status", { hasText: "Connected as" }).waitFor({
          timeout: WAIT_MS * 2,
        });
      }
      await anna.locator("#member-list li", { hasText: "bert" }).waitFor({ timeout: WAIT_MS });
      await anna.locator("#input").focus();
      await say(anna, "back again");
      await seeMessage(bert, "back again");

      assert.deepEqual(problems, [], "no script errors or CSP violations in the pages");
    } finally {
      await context?.close();
      await tcp.close();
      await server.shutdown();
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name: "browser: a user's display name (draft/metadata-2) shows beside its messages, as text" +
    (haveChromium ? "" : ` [IGNORED: ${CHROMIUM} missing: apt-get install chromium]`),
  ignore: !haveChromium,
  async fn() {
    const server = await startOn(0);
    const url = `http://127.0.0.1:${server.webAddr!.port}/`;
    const profile = await Deno.makeTempDir({ prefix: "chat-chromium-" });
    let context: BrowserContext | undefined;
    const carl = await TestClient.register(server.addr.port, "carl", ["draft/metadata-2"]);
    const problems: string[] = [];
    try {
      // set before the page comes: it learns them in the batch after its JOIN
      await carl.send("JOIN #lobby");
      await carl.expect("366");
      await carl.send("METADATA * SET display-name :Carl <b>the Great</b>");
      await carl.expect("761");
      await carl.send("METADATA * SET avatar :javascript:alert(1)");
      await carl.expect("761");

      context = await launchChromium(profile);
      const dana = await context.newPage();
      dana.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
      await dana.goto(url);
      await logInWithKeyboard(dana, "dana");
      await dana.locator("#member-list li", { hasText: "carl" }).waitFor({ timeout: WAIT_MS });

      await carl.send("PRIVMSG #lobby :hello with a name");
      const line = dana.locator("#messages li", { hasText: "hello with a name" });
      await line.locator(".display-name", { hasText: "Carl <b>the Great</b>" }).waitFor({
        timeout: WAIT_MS,
      });
      assert.equal(await line.locator("b").count(), 0, "the value is text, never HTML");
      assert.equal(await line.locator("img").count(), 0, "no image for a non-https avatar");

      // a change reaches the page as it happens (METADATA), and the line shows it
      await carl.send("METADATA * SET display-name :Carl C.");
      await carl.expect("761");
      await line.locator(".display-name", { hasText: "Carl C." }).waitFor({ timeout: WAIT_MS });
      assert.deepEqual(problems, []);
    } finally {
      await context?.close();
      await carl.close();
      await server.shutdown();
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    }
  },
});
