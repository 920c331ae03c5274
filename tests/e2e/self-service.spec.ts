/**
 * A customer invites a colleague, who signs in with the emailed link; every link in what the portal emails works on
 * PORTAL_URL; and the staff home page's numbers lead to the lists they count.
 */
import { expect, test } from "@playwright/test";
import {
  createDemoAccountAs,
  E2E_ADMIN,
  linkIn,
  type ReceivedMail,
  signIn,
  signInCustomer,
  waitForMail,
} from "./fixtures";

test.describe.configure({ mode: "serial" });

const stamp = Date.now();
const ownerEmail = `owner-${stamp}@selfservice.example`;
const colleagueEmail = `colleague-${stamp}@selfservice.example`;
const COMPANY = `Self Service ${stamp}`;

// A link ends before whitespace, and before the full stop or comma of the sentence it closes.
const portalLinks = (mail: ReceivedMail) => mail.text.match(/http:\/\/localhost:\d+\/\S*?(?=[.,]?(\s|$))/g) ?? [];

test.beforeAll(async ({ browser }) => {
  const page = await browser.newPage();
  await signIn(page, E2E_ADMIN);
  await createDemoAccountAs(page, COMPANY, ownerEmail);
  await page.close();
});

test("a customer invites a colleague, who signs in with the emailed link and sees the same account", async ({
  page,
  browser,
}) => {
  await signInCustomer(page, ownerEmail);
  await page.getByRole("navigation", { name: "Customer portal" }).getByRole("link", { name: "People" }).click();
  const form = page.getByRole("form", { name: "Invite a colleague" });
  await form.getByLabel("Their name").fill("Casey Colleague");
  await form.getByLabel("Their email").fill(colleagueEmail);
  await form.getByRole("button", { name: "Send the invitation" }).click();
  await expect(page.getByRole("status")).toHaveText("Invitation sent: they get an email with a link to sign in.");
  await expect(page.getByText(`Casey Colleague — ${colleagueEmail}`)).toBeVisible();

  // The same address twice is refused, next to the field.
  await form.getByLabel("Their name").fill("Casey Again");
  await form.getByLabel("Their email").fill(colleagueEmail);
  await form.getByRole("button", { name: "Send the invitation" }).click();
  await expect(form.getByText("A user with this email already exists.").first()).toBeVisible();

  const invitation = await waitForMail((m) => m.to === colleagueEmail && m.subject.includes("invited you"));
  const colleague = await (await browser.newContext()).newPage();
  await colleague.goto(linkIn(invitation, /http:\/\/localhost:\d+\/api\/auth\/callback\/email\?\S+/));
  await expect(colleague).toHaveURL(/\/portal$/);
  await expect(colleague.getByRole("heading", { name: COMPANY })).toBeVisible();
  await expect(colleague.getByText(colleagueEmail).first()).toBeVisible();
});

test("every link the customer is emailed opens a page of the portal", async ({ request }) => {
  const mails = [
    await waitForMail((m) => m.to === ownerEmail && m.subject === "Your SIP trunk is ready"),
    await waitForMail((m) => m.to === colleagueEmail && m.subject.includes("invited you")),
  ];
  for (const mail of mails) {
    const links = portalLinks(mail);
    expect(links.length, mail.subject).toBeGreaterThan(0);
    for (const link of links) {
      // Sign-in links are used up above; the others must answer (a page, not a 404 or a 500).
      if (link.includes("/api/auth/callback/")) continue;
      const response = await request.get(link);
      expect(response.status(), link).toBe(200);
    }
  }
});

test("the staff home page's numbers link to the lists they count", async ({ page }) => {
  await signIn(page, E2E_ADMIN);
  await expect(page).toHaveURL(/\/staff$/);
  const synced = page.getByRole("link", { name: /^\d[\d,+]* Synced/ });
  const count = Number((await synced.textContent())?.match(/^\d+/)?.[0]);
  expect(count).toBeGreaterThan(0);
  await synced.click();
  await expect(page).toHaveURL(/\/staff\/trunks\?sync=SYNCED$/);
  const rows = page.getByRole("table", { name: "Trunks" }).getByRole("row");
  await expect(rows.nth(1)).toContainText("Synced");
  await expect(rows.filter({ hasText: /Pending|Sync failed|Needs attention/ })).toHaveCount(0);

  await page.goto("/staff");
  await page.getByRole("link", { name: /Failing syncs/ }).click();
  await expect(page).toHaveURL(/\/staff\/trunks\?sync=failing$/);
  await expect(page.getByLabel("Sync state")).toHaveValue("failing");

  await page.goto("/staff");
  await page.getByRole("link", { name: /Mail failures/ }).click();
  await expect(page).toHaveURL(/\/staff\/mail\?show=failing$/);
  await expect(page.getByLabel("Show")).toHaveValue("failing");

  // A demo ending this week shows in its count and in the list it leads to.
  const demoLength = async (days: string) => {
    await page.goto("/staff/settings");
    const settings = page.getByRole("form", { name: "Provider settings" });
    await settings.getByLabel("Demo length in days").fill(days);
    await settings.getByRole("button", { name: "Save settings" }).click();
    await expect(page.getByRole("status")).toHaveText("Settings saved.");
  };
  await demoLength("3");
  try {
    await createDemoAccountAs(page, `Short Demo ${stamp}`, `short-${stamp}@selfservice.example`);
  } finally {
    await demoLength("14");
  }
  await page.goto("/staff");
  await page.getByRole("link", { name: /Demos ending this week/ }).click();
  await expect(page).toHaveURL(/\/staff\/customers\?demo=ending$/);
  await expect(page.getByRole("link", { name: `Short Demo ${stamp}` })).toBeVisible();
});
