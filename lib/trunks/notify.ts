import { createRevealLink, REVEAL_LINK_HOURS, supersedeRevealLinks } from "../credentials/reveal-links";
import type { Tx } from "../db";
import { portalUrl } from "../env";
import type { ProviderSettings } from "../generated/prisma/client";
import { queueMail, supersedeCredentialsMails } from "../mail/queue";
import { credentialsMail, type TrunkSummary, trunkStatusMail } from "../mail/templates";
import { getProviderSettings } from "../settings";
import { trunkInclude } from "./include";
import { decryptTrunkPassword } from "./password";

async function loadTrunk(tx: Tx, trunkId: string) {
  return tx.trunk.findUniqueOrThrow({
    where: { id: trunkId },
    include: trunkInclude,
  });
}

/** What the credentials email is written from. */
export type CredentialsMailTrunk = Omit<TrunkSummary, "hostnames" | "dids"> & {
  id: string;
  customerId: string;
  passwordCiphertext: string;
  passwordKeyId: string;
  customer: { contactName: string; contactEmail: string };
  servers: { server: { hostname: string } }[];
  dids: { number: string }[];
};

/**
 * Emails the customer their trunk's credentials (new trunk, resend, or after a reset), in the caller's transaction.
 * The password travels behind a fresh one-time link, or inline when the provider chose that; any older link dies.
 */
export async function queueCredentialsMail(tx: Tx, trunkId: string, reason: "new" | "resend" | "reset") {
  const [trunk, provider] = await Promise.all([loadTrunk(tx, trunkId), getProviderSettings(tx)]);
  return queueCredentialsMailFor(tx, trunk, provider, reason);
}

/** queueCredentialsMail for a trunk the caller has just written, so nothing needs reading back. */
export async function queueCredentialsMailFor(
  tx: Tx,
  trunk: CredentialsMailTrunk,
  provider: ProviderSettings,
  reason: "new" | "resend" | "reset",
) {
  const trunkId = trunk.id;
  await supersedeCredentialsMails(tx, trunkId);
  const delivery = provider.passwordDelivery === "INLINE" ? "inline" : "link";
  let secrets: Record<string, string>;
  if (delivery === "link") {
    secrets = { revealUrl: portalUrl(`/reveal/${await createRevealLink(tx, trunkId)}`) };
  } else {
    await supersedeRevealLinks(tx, trunkId);
    secrets = { password: decryptTrunkPassword(trunk) };
  }
  const rendered = credentialsMail({
    provider,
    portalUrl: portalUrl(""),
    delivery,
    reason,
    contactName: trunk.customer.contactName,
    linkExpiresHours: REVEAL_LINK_HOURS,
    trunk: {
      ...trunk,
      hostnames: trunk.servers.map((row) => row.server.hostname),
      dids: trunk.dids.map((did) => did.number),
    },
  });
  return queueMail(tx, {
    ...rendered,
    kind: `credentials.${reason}`,
    to: trunk.customer.contactEmail,
    customerId: trunk.customerId,
    trunkId,
    secrets,
  });
}

export async function queueTrunkStatusMail(tx: Tx, trunkId: string, reason: string | null) {
  const [trunk, provider] = await Promise.all([loadTrunk(tx, trunkId), getProviderSettings(tx)]);
  const rendered = trunkStatusMail({
    provider,
    username: trunk.username,
    contactName: trunk.customer.contactName,
    status: trunk.status === "ACTIVE" ? "ACTIVE" : "DISABLED",
    reason,
  });
  return queueMail(tx, {
    ...rendered,
    kind: trunk.status === "DISABLED" ? "trunk.disabled" : "trunk.enabled",
    to: trunk.customer.contactEmail,
    customerId: trunk.customerId,
    trunkId,
  });
}
