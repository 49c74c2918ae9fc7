/**
 * Debian's Chromium for the browser tests, driven by playwright-core (never a downloaded
 * browser): where it is, whether it is there, and the flags for a quiet headless run.
 *
 * @module
 */

import { type BrowserContext, chromium } from "playwright-core";

/** The system Chromium (`apt-get install chromium`). */
export const CHROMIUM = "/usr/bin/chromium";

/** Headless, no sandbox (containers), and nothing that talks to the network on its own. */
export const CHROMIUM_FLAGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Whether the browser tests can run here (they are ignored, and say why, when not). */
export const haveChromium: boolean = await Deno.stat(CHROMIUM).then((s) => s.isFile, () => false);

/** A headless Chromium with its profile in `profile` (a temporary directory the caller removes). */
export function launchChromium(
  profile: string,
  viewport = { width: 1100, height: 700 },
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_FLAGS],
    viewport,
  });
}
