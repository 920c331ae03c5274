import { expect, test } from "@playwright/test";
import { E2E_SIP_SERVER } from "../../playwright.config";
import { createDemoAccountAs, E2E_ADMIN, signIn } from "./fixtures";
import { signInCustomer } from "./registrar";

test.describe.configure({ mode: "serial" });

const customerEmail = `packets-${Date.now()}@customer.example`;
let trunkId = "";

const trace = (host: string) =>
  [
    "2024/05/01 10:00:00.123456 192.168.1.10:5060 -> 203.0.113.5:5060",
    `INVITE sip:+442071234567@${host} SIP/2.0`,
    "Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK1",
    `From: <sip:100@${host}>;tag=1`,
    `To: <sip:+442071234567@${host}>`,
    "Call-ID: e2e-1",
    "CSeq: 1 INVITE",
    "Content-Length: 0",
    "",
  ].join("\n");

test("staff check a pasted trace: each finding links to its fix, and the trace can be saved to the ticket", async ({
  page,
}) => {
  await signIn(page, E2E_ADMIN);
  trunkId = new URL(await createDemoAccountAs(page, "Packets Co", customerEmail)).pathname.split("/").pop() ?? "";
  await page.getByRole("link", { name: "Packet check" }).click();
  await expect(page.getByRole("heading", { name: /^Packet check: / })).toBeVisible();

  await page.getByLabel("SIP trace").fill(trace(E2E_SIP_SERVER.toLowerCase()));
  await page.getByLabel("Save this trace to the trunk's ticket history").check();
  await page.getByRole("button", { name: "Check the trace" }).click();
  const report = page.getByTestId("packet-check-report");
  await expect(report.getByRole("status")).toContainText("1 SIP messages read from the trace");
  await expect(report.getByRole("status")).toContainText("Saved to the ticket history.");
  await expect(report).toContainText(
    `The Request-URI uses ${E2E_SIP_SERVER.toLowerCase()}, but the server name is ${E2E_SIP_SERVER} (case-sensitive): this call is refused (404).`,
  );
  await expect(report).toContainText("+442071234567: this demo trunk may call US numbers only (403).");
  await expect(report).toContainText("Private address 192.168.1.10 in Via/Contact without rport");

  // "How to fix" goes to the troubleshooting topic on the same page.
  await report.getByRole("link", { name: "How to fix" }).first().click();
  await expect(page).toHaveURL(/#help-server-name$/);
  await expect(page.locator("#help-server-name")).toContainText(`use ${E2E_SIP_SERVER} exactly`);

  await page.reload();
  await expect(page.getByRole("region", { name: "Ticket history" })).toContainText("1 messages, 3 problems");
});

test("a broken or foreign upload gets a message, never an error page", async ({ page }) => {
  await signIn(page, E2E_ADMIN);
  await page.goto(`/staff/trunks/${trunkId}/packet-check`);
  const garbage = Buffer.from([0x0a, 0x0d, 0x0d, 0x0a, 0xff, 0xff, 0xff, 0x7f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  await page
    .getByLabel("Or upload a capture")
    .setInputFiles({ name: "broken.pcapng", mimeType: "application/octet-stream", buffer: garbage });
  await page.getByRole("button", { name: "Check the trace" }).click();
  const report = page.getByTestId("packet-check-report");
  await expect(report).toContainText("0 SIP messages read from the capture");
  await expect(report).toContainText("No SIP messages were found.");

  await page
    .getByLabel("Or upload a capture")
    .setInputFiles({ name: "huge.pcap", mimeType: "application/octet-stream", buffer: Buffer.alloc(9 * 1024 * 1024) });
  await page.getByRole("button", { name: "Check the trace" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Upload a capture" })).toHaveText(
    "Upload a capture of at most 8 MB (filter it to SIP first).",
  );
});

test("the customer checks a trace for their own trunk", async ({ page }) => {
  await signInCustomer(page, customerEmail);
  await page.getByRole("link", { name: "Credentials, settings and setup help" }).click();
  await page.getByRole("link", { name: "Check a SIP capture" }).click();
  await page.getByLabel("SIP trace").fill(trace(E2E_SIP_SERVER));
  await page.getByRole("button", { name: "Check the trace" }).click();
  const report = page.getByTestId("packet-check-report");
  await expect(report).toContainText("+442071234567: this demo trunk may call US numbers only (403).");
  await expect(report).not.toContainText("case-sensitive");
});
