import { z } from "zod";
import { recordAudit } from "../audit/log";
import type { Actor } from "../auth/policy";
import { createSignInLink } from "../auth/sign-in-links";
import { defineCommand } from "../commands";
import { insertCustomerUser } from "../customers";
import { type Db, transaction } from "../db";
import { portalUrl } from "../env";
import { ConflictError } from "../errors";
import { queueMail } from "../mail/queue";
import { invitationMail } from "../mail/templates";
import { getProviderSettings } from "../settings";
import { email, requiredText } from "../validation";
import { checkSensitiveAction, getOwnAccount } from ".";

/** An invitation's sign-in link lasts a day (a normal sign-in link, 30 minutes): it may wait in an inbox a while. */
export const INVITATION_LINK_HOURS = 24;

/**
 * A customer invites a colleague to their own account: the colleague becomes a user of the same company and gets a
 * sign-in link by email (through the outbox). Like the other sensitive actions it needs a recent sign-in.
 */
export const inviteColleague = defineCommand({
  name: "portal.invite-user",
  permission: "portal:invite-users",
  input: z.object({ name: requiredText("their name", 120), email }),
  async run(ctx, { name, email: inviteeEmail }) {
    const { customer } = await getOwnAccount(ctx.db, ctx.actor);
    if (customer.status !== "ACTIVE") {
      throw new ConflictError("This account is not active, so nobody new can sign in to it. Contact support.");
    }
    await checkSensitiveAction(
      ctx,
      "invite",
      "You have invited several people in a few minutes. Wait 10 minutes and try again.",
    );
    return transaction(ctx.db, async (tx) => {
      const user = await insertCustomerUser(tx, customer.id, name, inviteeEmail, "email");
      const signInUrl = await createSignInLink(tx, inviteeEmail, INVITATION_LINK_HOURS * 60 * 60);
      await queueMail(tx, {
        ...invitationMail({
          provider: await getProviderSettings(tx),
          inviterName: ctx.actor.name,
          company: customer.company,
          portalUrl: portalUrl(""),
          expiresHours: INVITATION_LINK_HOURS,
        }),
        kind: "portal.invitation",
        to: inviteeEmail,
        customerId: customer.id,
        secrets: { signInUrl },
      });
      await recordAudit(tx, ctx, {
        action: "portal.invite-user",
        targetType: "user",
        targetId: user.id,
        customerId: customer.id,
        details: { email: inviteeEmail, name },
      });
      return user;
    });
  },
});

/** The people who can sign in to the customer's account, for the portal's People page. */
export async function listOwnPeople(db: Db, actor: Actor) {
  const { customer } = await getOwnAccount(db, actor);
  return db.user.findMany({
    where: { customerId: customer.id, role: "CUSTOMER" },
    select: { id: true, name: true, email: true, active: true, lastSignInAt: true },
    orderBy: { createdAt: "asc" },
  });
}
