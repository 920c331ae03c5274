import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Actor, actorOf } from "../../lib/auth/policy";
import { executeCommand } from "../../lib/commands";
import { createDemoAccount } from "../../lib/customers";
import type { Db } from "../../lib/db";
import { NotFoundError } from "../../lib/errors";
import { getOwnTrunk, listOwnTrunks, REVEALS_PER_WINDOW, revealOwnTrunkPassword } from "../../lib/portal";
import { revealTrunkPassword } from "../../lib/trunks";
import { contextFor, createActor, createPortalDatabase } from "../support/portal";

let db: Db;
const customers: { actor: Actor; trunkId: string }[] = [];

beforeAll(async () => {
  ({ db } = await createPortalDatabase("portal"));
  await db.sipServer.create({ data: { hostname: "sip.portal.example", realm: "sip.portal.example", label: "x" } });
  const sales = await createActor(db, "SALES");
  for (const name of ["Alpha", "Bravo"]) {
    const result = await executeCommand(createDemoAccount, contextFor(db, sales), {
      company: `${name} Ltd`,
      contactName: name,
      contactEmail: `${name.toLowerCase()}@portal.example`,
    });
    if (!result.ok) throw new Error(result.formError);
    const user = await db.user.findUniqueOrThrow({ where: { email: `${name.toLowerCase()}@portal.example` } });
    customers.push({
      actor: actorOf(user),
      trunkId: result.value.trunk.id,
    });
  }
});
afterAll(() => db?.$disconnect());

const recently = () => new Date(Date.now() - 60_000);

describe("a customer", () => {
  it("sees only their own trunks", async () => {
    const [alpha, bravo] = customers;
    if (!alpha || !bravo) throw new Error("setup failed");
    expect((await listOwnTrunks(db, alpha.actor)).trunks.map((trunk) => trunk.id)).toEqual([alpha.trunkId]);
    expect((await getOwnTrunk(db, alpha.actor, alpha.trunkId)).id).toBe(alpha.trunkId);
    await expect(getOwnTrunk(db, alpha.actor, bravo.trunkId)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("gets not-found, not the password, for another customer's trunk", async () => {
    const [alpha, bravo] = customers;
    if (!alpha || !bravo) throw new Error("setup failed");
    const result = await executeCommand(
      revealOwnTrunkPassword,
      { ...contextFor(db, alpha.actor), authenticatedAt: recently() },
      { trunkId: bravo.trunkId },
    );
    expect(result).toMatchObject({ ok: false, reason: "not-found" });
    expect(await db.auditLog.count({ where: { action: "trunk.reveal-password", targetId: bravo.trunkId } })).toBe(0);
  });

  it("reveals their own password only after a recent sign-in, audited, and rate-limited", async () => {
    const [alpha] = customers;
    if (!alpha) throw new Error("setup failed");
    const stale = await executeCommand(
      revealOwnTrunkPassword,
      { ...contextFor(db, alpha.actor), authenticatedAt: new Date(Date.now() - 16 * 60_000) },
      { trunkId: alpha.trunkId },
    );
    expect(stale).toMatchObject({ ok: false, reason: "conflict", formError: expect.stringMatching(/sign in again/) });

    const ctx = { ...contextFor(db, alpha.actor), authenticatedAt: recently() };
    const first = await executeCommand(revealOwnTrunkPassword, ctx, { trunkId: alpha.trunkId });
    const admin = await createActor(db, "ADMIN");
    const staffView = await executeCommand(revealTrunkPassword, contextFor(db, admin), { trunkId: alpha.trunkId });
    expect(first.ok && staffView.ok && first.value.password === staffView.value.password).toBe(true);
    const audit = await db.auditLog.findFirstOrThrow({
      where: { action: "trunk.reveal-password", actorId: alpha.actor.id },
    });
    expect(audit.details).toMatchObject({ via: "customer" });

    for (let i = 1; i < REVEALS_PER_WINDOW; i++) {
      expect((await executeCommand(revealOwnTrunkPassword, ctx, { trunkId: alpha.trunkId })).ok).toBe(true);
    }
    const limited = await executeCommand(revealOwnTrunkPassword, ctx, { trunkId: alpha.trunkId });
    expect(limited).toMatchObject({ ok: false, formError: expect.stringMatching(/Wait 10 minutes/) });
  });

  it("gets at most the limit of passwords from 16 parallel reveals", async () => {
    const [, bravo] = customers;
    if (!bravo) throw new Error("setup failed");
    const ctx = { ...contextFor(db, bravo.actor), authenticatedAt: recently() };
    const results = await Promise.all(
      Array.from({ length: 16 }, () => executeCommand(revealOwnTrunkPassword, ctx, { trunkId: bravo.trunkId })),
    );
    expect(results.filter((result) => result.ok)).toHaveLength(REVEALS_PER_WINDOW);
    expect(await db.auditLog.count({ where: { action: "trunk.reveal-password", actorId: bravo.actor.id } })).toBe(
      REVEALS_PER_WINDOW,
    );
  });
});
