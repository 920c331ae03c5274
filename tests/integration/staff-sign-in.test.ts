import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_FAILURES_PER_EMAIL, verifyStaffSignIn } from "../../lib/auth/sign-in";
import type { Db } from "../../lib/db";
import { createActor, createPortalDatabase } from "../support/portal";

let db: Db;
beforeAll(async () => {
  ({ db } = await createPortalDatabase("signin"));
});
afterAll(() => db?.$disconnect());

const meta = { ip: "203.0.113.9", userAgent: "test" };
const PASSWORD = "correct horse battery staple";

describe("staff sign-in", () => {
  it("accepts the right password (any email casing) and records the sign-in", async () => {
    const sales = await createActor(db, "SALES");
    const result = await verifyStaffSignIn(db, sales.email.toUpperCase(), PASSWORD, meta);
    expect(result).toMatchObject({ ok: true, actor: { id: sales.id, role: "SALES" } });
    expect(await db.auditLog.count({ where: { action: "auth.sign-in", actorId: sales.id, ip: meta.ip } })).toBe(1);
  });

  it("throttles an email after repeated failures, even with the right password", async () => {
    const support = await createActor(db, "SUPPORT");
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i++) {
      expect(await verifyStaffSignIn(db, support.email, "wrong", meta)).toEqual({ ok: false, reason: "invalid" });
    }
    expect(await verifyStaffSignIn(db, support.email, PASSWORD, meta)).toEqual({ ok: false, reason: "throttled" });
    // Once the window has passed, the right password works again.
    await db.signInFailure.updateMany({
      where: { email: support.email },
      data: { at: new Date(Date.now() - 16 * 60_000) },
    });
    expect(await verifyStaffSignIn(db, support.email, PASSWORD, meta)).toMatchObject({ ok: true });
  });

  it("refuses customers, deactivated staff and unknown emails alike", async () => {
    const customer = await createActor(db, "CUSTOMER");
    const admin = await createActor(db, "ADMIN");
    await db.user.update({ where: { id: admin.id }, data: { active: false } });
    for (const email of [customer.email, admin.email, "nobody@example.com"]) {
      expect(await verifyStaffSignIn(db, email, PASSWORD, { ip: null, userAgent: null })).toEqual({
        ok: false,
        reason: "invalid",
      });
    }
  });
});
