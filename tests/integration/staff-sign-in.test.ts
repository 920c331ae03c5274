import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { deleteExpiredSignInRecords } from "../../lib/auth/cleanup";
import { beginStaffSignIn, checkStaffPassword, redeemSignInChallenge, SIGN_IN_LIMITS } from "../../lib/auth/sign-in";
import type { Db } from "../../lib/db";
import { log } from "../../lib/observability/log";
import { metrics } from "../../lib/observability/metrics";
import { createActor, createPortalDatabase } from "../support/portal";

let db: Db;
beforeAll(async () => {
  ({ db } = await createPortalDatabase("signin"));
});
afterAll(() => db?.$disconnect());
afterEach(() => vi.restoreAllMocks());

const PASSWORD = "correct horse battery staple";
let nextAddress = 1;
/** A request from a source of its own, so tests do not share throttles. */
const fromNewSource = () => ({ ip: `203.0.113.${nextAddress++}`, userAgent: "test" });
const passwordChecks = (email: string) =>
  db.auditLog.count({ where: { action: "auth.sign-in-failed", details: { path: ["email"], equals: email } } });

describe("staff sign-in", () => {
  it("accepts the right password (any email casing) and turns it into exactly one session", async () => {
    const sales = await createActor(db, "SALES");
    const started = await beginStaffSignIn(db, sales.email.toUpperCase(), PASSWORD, fromNewSource());
    expect(started).toMatchObject({ ok: true, secondFactorDue: false });
    if (!started.ok) return;
    expect(await redeemSignInChallenge(db, started.token)).toMatchObject({ user: { id: sales.id }, via: "password" });
    expect(await redeemSignInChallenge(db, started.token)).toBeNull();
  });

  it("checks at most the limit of 40 parallel wrong passwords for one account", async () => {
    const admin = await createActor(db, "ADMIN");
    const attacker = fromNewSource();
    const results = await Promise.all(
      Array.from({ length: 40 }, () => checkStaffPassword(db, admin.email, "wrong guess", attacker)),
    );
    const checked = results.filter((result) => !result.ok && result.reason === "invalid").length;
    expect(checked).toBe(SIGN_IN_LIMITS.accountFromSource.limit);
    expect(results.filter((result) => !result.ok && result.reason === "throttled")).toHaveLength(40 - checked);
    expect(await passwordChecks(admin.email)).toBe(SIGN_IN_LIMITS.accountFromSource.limit);
    // Even the right password is not checked from that source until the wait is over…
    expect(await checkStaffPassword(db, admin.email, PASSWORD, attacker)).toMatchObject({ reason: "throttled" });
  });

  it("does not lock the owner out: the attacker's failures slow down only the attacker's source", async () => {
    const admin = await createActor(db, "ADMIN");
    const attacker = fromNewSource();
    for (let i = 0; i < 10; i++) await checkStaffPassword(db, admin.email, `guess ${i}`, attacker);
    expect(await checkStaffPassword(db, admin.email, PASSWORD, attacker)).toMatchObject({ reason: "throttled" });
    expect(await checkStaffPassword(db, admin.email, PASSWORD, fromNewSource())).toMatchObject({ ok: true });
  });

  it("makes each attempt past the limit wait longer", async () => {
    const support = await createActor(db, "SUPPORT");
    const source = fromNewSource();
    const { limit, delayMs } = SIGN_IN_LIMITS.accountFromSource;
    for (let i = 0; i < limit; i++) await checkStaffPassword(db, support.email, "wrong", source);
    const first = await checkStaffPassword(db, support.email, "wrong", source);
    if (first.ok || first.reason !== "throttled") throw new Error("expected a wait");
    expect(first.retryAt.getTime() - Date.now()).toBeGreaterThan(delayMs - 5_000);
    expect(first.retryAt.getTime() - Date.now()).toBeLessThanOrEqual(delayMs);

    // Once the wait is over, one more try is checked; failing it doubles the wait.
    await db.rateLimit.updateMany({ where: { key: { contains: support.email } }, data: { blockedUntil: new Date() } });
    expect(await checkStaffPassword(db, support.email, "wrong", source)).toEqual({ ok: false, reason: "invalid" });
    const second = await checkStaffPassword(db, support.email, PASSWORD, source);
    if (second.ok || second.reason !== "throttled") throw new Error("expected a wait");
    expect(second.retryAt.getTime() - Date.now()).toBeGreaterThan(2 * delayMs - 5_000);

    // The right password after the wait works and forgets the failures.
    await db.rateLimit.updateMany({ where: { key: { contains: support.email } }, data: { blockedUntil: new Date() } });
    expect(await checkStaffPassword(db, support.email, PASSWORD, source)).toMatchObject({ ok: true });
    expect(await checkStaffPassword(db, support.email, PASSWORD, source)).toMatchObject({ ok: true });
  });

  it("slows down one source guessing across many accounts, but not other sources", async () => {
    const source = fromNewSource();
    const { limit } = SIGN_IN_LIMITS.source;
    for (let i = 0; i < limit; i++) {
      expect(await checkStaffPassword(db, `nobody-${i}@example.com`, "guess", source)).toMatchObject({
        reason: "invalid",
      });
    }
    const sales = await createActor(db, "SALES");
    expect(await checkStaffPassword(db, sales.email, PASSWORD, source)).toMatchObject({ reason: "throttled" });
    expect(await checkStaffPassword(db, sales.email, PASSWORD, fromNewSource())).toMatchObject({ ok: true });
  });

  it("refuses customers, deactivated staff and unknown emails alike", async () => {
    const customer = await createActor(db, "CUSTOMER");
    const admin = await createActor(db, "ADMIN");
    await db.user.update({ where: { id: admin.id }, data: { active: false } });
    for (const email of [customer.email, admin.email, "nobody@example.com"]) {
      expect(await checkStaffPassword(db, email, PASSWORD, fromNewSource())).toEqual({
        ok: false,
        reason: "invalid",
      });
    }
  });

  it("logs a failed sign-in as one structured warning, without a stack trace, and counts it", async () => {
    const sales = await createActor(db, "SALES");
    const failures = async () =>
      (await metrics().signInFailures.get()).values.find(
        (value) => value.labels.purpose === "sign-in" && value.labels.step === "password",
      )?.value ?? 0;
    const before = await failures();
    const warn = vi.spyOn(log, "warn").mockImplementation(() => {});
    const error = vi.spyOn(log, "error").mockImplementation(() => {});
    const source = fromNewSource();
    await checkStaffPassword(db, sales.email, "wrong", source);
    expect(error).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]).toEqual([
      { purpose: "sign-in", step: "password", email: sales.email, source: source.ip },
      "sign-in refused: wrong password",
    ]);
    expect(await failures()).toBe(before + 1);
    warn.mockRestore();
    error.mockRestore();
  });
});

describe("old sign-in records", () => {
  it("are deleted once they cannot matter, and nothing that still can", async () => {
    const sales = await createActor(db, "SALES");
    const now = new Date();
    const hoursAgo = (hours: number) => new Date(now.getTime() - hours * 3_600_000);
    await db.rateLimit.createMany({
      data: [
        { key: "cleanup:stale", count: 9, lastAt: hoursAgo(25) },
        { key: "cleanup:recent", count: 9, lastAt: hoursAgo(23) },
        {
          key: "cleanup:still-blocked",
          count: 9,
          lastAt: hoursAgo(25),
          blockedUntil: new Date(now.getTime() + 60_000),
        },
      ],
    });
    await db.signInChallenge.createMany({
      data: [
        { tokenHash: "cleanup-old", userId: sales.id, expiresAt: hoursAgo(2) },
        { tokenHash: "cleanup-live", userId: sales.id, expiresAt: new Date(now.getTime() + 60_000) },
      ],
    });
    await deleteExpiredSignInRecords(db, now);
    expect(
      (await db.rateLimit.findMany({ where: { key: { startsWith: "cleanup:" } } })).map((row) => row.key).sort(),
    ).toEqual(["cleanup:recent", "cleanup:still-blocked"]);
    expect((await db.signInChallenge.findMany({ where: { userId: sales.id } })).map((row) => row.tokenHash)).toEqual([
      "cleanup-live",
    ]);
  });
});
