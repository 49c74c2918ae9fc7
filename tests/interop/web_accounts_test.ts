/**
 * Accounts on the built-in web page, in Debian's Chromium: a page creates an account, a second
 * page and a TCP client log in to it and are the same user (the page takes the nick and the
 * channels it is given), and unread counts come from the account's read markers: the same on
 * every page, a page that connects later included, cleared everywhere when one page shows the
 * conversation (which sends MARKREAD, seen by the TCP client of the same account).
 */

import assert from "node:assert/strict";
import type { BrowserContext, Page } from "playwright-core";
import type { Message } from "../../protocol/message.ts";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { CHROMIUM, haveChromium, launchChromium } from "../helpers/chromium.ts";
import { testServer } from "../helpers/server.ts";

const WAIT_MS = 10_000;
const PASSWORD = "correct-horse-battery";

/** Fills in the login form and connects. */
async function logIn(
  page: Page,
  nick: string,
  password: string,
  options: { register?: boolean; channels?: string } = {},
): Promise<void> {
  await page.fill("#nick", nick);
  await page.fill("#password", password);
  if (options.register) await page.check("#register");
  await page.fill("#channels-to-join", options.channels ?? "");
  await page.click("#login button[type=submit]");
}

function connectedAs(page: Page, text: string) {
  return page.locator("#status", { hasText: text }).waitFor({ timeout: WAIT_MS });
}

function conversation(page: Page, name: string) {
  return page.locator("#buffer-list button", { hasText: name });
}

/** Waits until the conversation's unread badge says `count` (0: no badge). */
async function unread(page: Page, name: string, count: number): Promise<void> {
  const badge = conversation(page, name).locator(".unread");
  if (count === 0) await badge.waitFor({ state: "detached", timeout: WAIT_MS });
  else await badge.filter({ hasText: String(count) }).waitFor({ timeout: WAIT_MS });
}

async function show(page: Page, name: string): Promise<void> {
  await conversation(page, name).click();
  await page.locator("#buffer-title", { hasText: name }).waitFor({ timeout: WAIT_MS });
}

/** A TCP client logged in to `account` with SASL before registering as `nick`. */
async function saslClient(port: number, account: string, nick: string): Promise<TestClient> {
  const c = await TestClient.connect(port);
  await c.send("CAP LS 302");
  await c.send("CAP REQ :sasl draft/read-marker server-time");
  await c.expect((m) => m.command === "CAP" && m.params[1] === "ACK");
  await c.send("AUTHENTICATE PLAIN");
  await c.expect("AUTHENTICATE");
  await c.send(`AUTHENTICATE ${btoa(`\0${account}\0${PASSWORD}`)}`);
  await c.expect("903");
  await c.send("CAP END");
  await c.send(`NICK ${nick}`);
  await c.send(`USER ${nick} 0 * :${nick}`);
  return c;
}

const isPrivmsg = (target: string) => (m: Message) =>
  m.command === "PRIVMSG" && m.params[0] === target;
const isMarker = (target: string) => (m: Message) =>
  m.command === "MARKREAD" && m.params[0] === target;

Deno.test({
  name: "browser: pages log in to one account, attach, and count unread from read markers" +
    (haveChromium ? "" : ` [IGNORED: ${CHROMIUM} missing: apt-get install chromium]`),
  ignore: !haveChromium,
  async fn() {
    const server = await testServer({ webPort: 0 });
    const port = server.addr.port;
    const url = `http://127.0.0.1:${server.webAddr!.port}/`;
    const profile = await Deno.makeTempDir({ prefix: "chat-chromium-" });
    let context: BrowserContext | undefined;
    const carl = await TestClient.register(port, "carl", ["server-time"]);
    let phone: TestClient | undefined;
    const problems: string[] = [];
    try {
      context = await launchChromium(profile);
      const open = async () => {
        const page = await context!.newPage();
        page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
        page.on("console", (m) => {
          if (m.type() === "error") problems.push(`console: ${m.text()}`);
        });
        await page.goto(url);
        return page;
      };
      await carl.send("JOIN #lobby,#side");
      await carl.expect((m) => m.command === "366" && m.params[1] === "#side");

      // The laptop creates the account from the login form, then joins.
      const laptop = await open();
      await logIn(laptop, "anna", PASSWORD, { register: true, channels: "#lobby,#side" });
      await connectedAs(laptop, "Connected as anna (account anna)");
      await laptop.locator("#buffer-title", { hasText: "#lobby" }).waitFor({ timeout: WAIT_MS });
      await conversation(laptop, "#side").waitFor({ timeout: WAIT_MS });
      const stored = String(await laptop.evaluate("JSON.stringify(localStorage)"));
      assert.ok(!stored.includes(PASSWORD), "the password is not kept in the browser's storage");
      assert.equal(await laptop.inputValue("#password"), "", "nor left in the form");

      // A TCP client of the account is the same user: the nick anna, in both channels.
      phone = await saslClient(port, "anna", "phone");
      assert.equal((await phone.expect("001")).params[0], "anna");
      await phone.expect((m) => m.command === "JOIN" && m.params[0] === "#side");

      // A wrong password gets the login form back, with the reason, and no guest session.
      const stranger = await open();
      await logIn(stranger, "anna", "not-the-password");
      await stranger.locator("#login-error", { hasText: "SASL authentication failed" })
        .waitFor({ timeout: WAIT_MS });
      assert.equal(await stranger.locator("#login").isVisible(), true);
      await stranger.close();

      // The tablet logs in with the password only: it is given anna's nick (it asked for anna
      // and was told that is taken) and channels it did not ask for.
      const tablet = await open();
      await logIn(tablet, "anna", PASSWORD);
      await connectedAs(tablet, "Connected as anna (account anna)");
      await conversation(tablet, "#side").waitFor({ timeout: WAIT_MS });
      await show(tablet, "#lobby");

      // carl speaks in #side, which neither page shows: both count one unread.
      await carl.send("PRIVMSG #side :news on the side");
      const news = await phone.expect(isPrivmsg("#side"));
      await unread(laptop, "#side", 1);
      await unread(tablet, "#side", 1);

      // The laptop shows #side: read there, MARKREAD for that line, cleared on the tablet too.
      await show(laptop, "#side");
      await laptop.locator("#messages li", { hasText: "news on the side" }).waitFor();
      await unread(laptop, "#side", 0);
      const marked = await phone.expect(isMarker("#side"));
      assert.deepEqual(marked.params, ["#side", `timestamp=${news.tags!.time}`]);
      await unread(tablet, "#side", 0);

      // Two more lines while the pages look elsewhere; a desktop connecting now counts the
      // same two, from the marker and the history it asks for.
      await show(laptop, "#lobby");
      await carl.send("PRIVMSG #side :second");
      await carl.send("PRIVMSG #side :third, anna");
      await phone.expect((m) => isPrivmsg("#side")(m) && m.params[1] === "third, anna");
      await unread(laptop, "#side", 2);
      await unread(tablet, "#side", 2);
      const desktop = await open();
      await logIn(desktop, "anna", PASSWORD);
      await connectedAs(desktop, "Connected as anna");
      await unread(desktop, "#side", 2);
      assert.equal(
        await conversation(desktop, "#side").locator(".unread.mention").count(),
        1,
        "a line naming anna marks the count as a mention",
      );

      // The phone (TCP) reads #side: every page clears it.
      await phone.send(`MARKREAD #side timestamp=${new Date().toISOString()}`);
      for (const page of [laptop, tablet, desktop]) await unread(page, "#side", 0);

      assert.deepEqual(problems, [], "no script errors or CSP violations in the pages");
    } finally {
      await context?.close();
      await carl.close();
      await phone?.close();
      await server.shutdown();
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    }
  },
});
