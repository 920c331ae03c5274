import AxeBuilder from "@axe-core/playwright";
import type { Browser, BrowserContext, Page } from "@playwright/test";

/** Every page (and every email) is checked on a desktop in the light scheme and on a phone in the dark one. */
export const SCREENS = [
  { name: "desktop, light", viewport: { width: 1280, height: 800 }, colorScheme: "light", phone: false },
  { name: "phone, dark", viewport: { width: 360, height: 740 }, colorScheme: "dark", phone: true },
] as const;
export type Screen = (typeof SCREENS)[number];

export function contextFor(browser: Browser, screen: Screen): Promise<BrowserContext> {
  return browser.newContext({ viewport: screen.viewport, colorScheme: screen.colorScheme, hasTouch: screen.phone });
}

/** The WCAG levels every page and every email is held to: 2.1 A and AA, colour contrast included. */
const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/**
 * The serious and critical accessibility violations on the page as it is now (or in the part `only` selects), one
 * line each.
 *
 * axe runs inside the page (`setLegacyMode`): the builder's default runs it frame by frame and assembles the results
 * in a browser tab it opens and closes for every analysis, which was most of a phone page's time (two analyses a page
 * there, the open menu being the second), and waits about 30 s on the one frame the portal has, the sandboxed email
 * preview on a Mail page, which no script can enter in either mode (same nodes analysed, none inside the frame; the
 * emails themselves are checked by tests/e2e/email-accessibility.spec.ts).
 */
export async function seriousViolations(page: Page, only?: string): Promise<string[]> {
  const builder = new AxeBuilder({ page }).withTags(WCAG_TAGS).setLegacyMode(true);
  const results = await (only ? builder.include(only) : builder).analyze();
  return results.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .flatMap((violation) =>
      violation.nodes.map((node) => `${violation.id}: ${node.target.join(" ")} — ${node.failureSummary ?? ""}`),
    );
}

/** The page's width against the screen's, for "nothing wider than the screen" (WCAG 1.4.10, reflow). */
export function pageWidth(page: Page) {
  return page.evaluate(() => ({
    page: document.documentElement.scrollWidth,
    screen: document.documentElement.clientWidth,
  }));
}
