import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queueDemoExpiryNotices } from "../../lib/customers/demo-expiry";
import type { Db } from "../../lib/db";
import { createPortalDatabase } from "../support/portal";

let db: Db;
beforeAll(async () => {
  ({ db } = await createPortalDatabase("expiry"));
});
afterAll(() => db?.$disconnect());

const days = (n: number) => new Date(Date.now() + n * 86_400_000);

describe("demo expiry notices", () => {
  it("emails demos ending within three days, once each", async () => {
    const make = (company: string, demoExpiresAt: Date | null, isDemo = true) =>
      db.customer.create({
        data: { company, contactName: "C", contactEmail: `${company}@expiry.example`, isDemo, demoExpiresAt },
      });
    const soon = await make("soon", days(2));
    await make("later", days(10));
    await make("past", days(-1));
    await make("paying", null, false);

    expect(await queueDemoExpiryNotices(db)).toBe(1);
    expect(await queueDemoExpiryNotices(db)).toBe(0);
    const mails = await db.mail.findMany({ where: { kind: "demo.expiring" } });
    expect(mails.map((mail) => mail.to)).toEqual([soon.contactEmail]);
    expect(mails[0]?.subject).toMatch(/demo ends soon/);
  });
});
