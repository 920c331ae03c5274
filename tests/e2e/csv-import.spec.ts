import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { E2E_SIP_SERVER } from "../../playwright.config";
import { E2E_ADMIN, signIn } from "./fixtures";

test.describe.configure({ mode: "serial" });

const HEADER =
  "customer_external_id,company,contact_name,contact_email,trunk_external_id,servers,call_limit,dial_permission,allowed_countries,caller_id_policy,forced_caller_id,forced_caller_id_name,dids";

test("staff upload a CSV, see its errors, then import it with a progress bar and download the result", async ({
  page,
}) => {
  const run = Date.now().toString(36);
  const line = (n: number, email = `e2e-${run}-${n}@import.example`) =>
    `e2e-${run}-c${n},E2E Import ${n},Pat Jones,${email},e2e-${run}-t${n},${E2E_SIP_SERVER},5,US_ONLY,,FORCED,+12025550100,,`;
  await signIn(page, E2E_ADMIN);
  await page.getByRole("navigation", { name: "Staff" }).getByRole("link", { name: "Imports" }).click();

  // A file with a mistake: the dry run names its line and column, and nothing can be started.
  const upload = page.getByRole("form", { name: "Upload a CSV file" });
  await upload.getByLabel("CSV file").setInputFiles({
    name: "broken.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(`${HEADER}\n${line(1)}\n${line(2, "not-an-email")}\n`),
  });
  await upload.getByRole("button", { name: "Check the file" }).click();
  await expect(page.getByTestId("import-status")).toHaveText("invalid");
  const errors = page.getByRole("table", { name: "Errors by line and column" });
  await expect(errors.getByRole("row", { name: /3 contact_email/ })).toBeVisible();
  await expect(page.getByRole("button", { name: "Start the import" })).toHaveCount(0);

  // The corrected file (BOM and CRLF, as a spreadsheet saves it) passes and is imported.
  await page.goto("/staff/imports");
  const rows = Array.from({ length: 30 }, (_, n) => line(n + 1));
  await page
    .getByRole("form", { name: "Upload a CSV file" })
    .getByLabel("CSV file")
    .setInputFiles({
      name: "customers.csv",
      mimeType: "text/csv",
      buffer: Buffer.from(`\uFEFF${[HEADER, ...rows].join("\r\n")}\r\n`),
    });
  await page.getByRole("button", { name: "Check the file" }).click();
  await expect(page.getByTestId("import-status")).toHaveText("ready");
  await page.getByRole("button", { name: "Start the import" }).click();
  await expect(page.getByRole("progressbar")).toBeVisible();
  await expect(page.getByTestId("import-progress-text")).toContainText("of 30 rows");
  // The page follows the job without a reload, to the end.
  await expect(page.getByTestId("import-status")).toHaveText("completed", { timeout: 120_000 });
  await expect(page.getByTestId("import-progress-text")).toContainText("30 of 30 rows");

  const downloading = page.waitForEvent("download");
  await page.getByRole("link", { name: /Download the result/ }).click();
  const result = readFileSync((await (await downloading).path()) ?? "", "utf8");
  const lines = result.trimEnd().split("\r\n");
  expect(lines[0]).toBe("line,customer_external_id,trunk_external_id,customer_id,username,status,error");
  expect(lines).toHaveLength(31);
  expect(lines.slice(1).every((row) => row.includes(",created,"))).toBe(true);
  expect(result).not.toMatch(/password/i);
});
