import type { Metadata } from "next";
import Link from "next/link";
import { AttentionNotice } from "@/components/attention-notice";
import { CopyButton } from "@/components/copy-button";
import { CredentialChecks } from "@/components/credential-checks";
import { HelpTopics } from "@/components/help-topics";
import { RegistrationStatus } from "@/components/registration-status";
import { ResetPasswordForm } from "@/components/reset-password-form";
import { SyncStatus } from "@/components/sync-status";
import { TrunkCredentials } from "@/components/trunk-credentials";
import { Card, PageHeader, StatusBadge } from "@/components/ui";
import { requirePermission } from "@/lib/auth/guards";
import { getDb } from "@/lib/db";
import { orNotFound } from "@/lib/or-not-found";
import { getOwnTrunk } from "@/lib/portal";
import { attentionReasons } from "@/lib/trunks/attention";
import { listCredentialChecks } from "@/lib/trunks/credential-check";
import { expectedPackets, type Guide, type HelpTrunk, setupGuides, troubleshooting } from "@/lib/trunks/setup-guides";
import { resetOwnPasswordAction, revealOwnPasswordAction } from "../../actions";

export const metadata: Metadata = { title: "Trunk" };

function GuideBlock({ guide }: { guide: Guide }) {
  return (
    <section className="mb-6" aria-labelledby={`guide-${guide.id}`}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h3 id={`guide-${guide.id}`} className="font-semibold">
          {guide.title}
        </h3>
        <CopyButton value={guide.snippet} label={`${guide.title} settings`} />
      </div>
      <p className="mt-1 text-sm text-muted-foreground">{guide.intro}</p>
      {/* Scrolls sideways on narrow screens, so it takes the keyboard's focus too (WCAG 2.1.1). */}
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable without a mouse */}
      <pre tabIndex={0} className="mt-2 overflow-x-auto rounded bg-code p-3 font-mono text-sm text-code-foreground">
        {guide.snippet}
      </pre>
    </section>
  );
}

export default async function PortalTrunkPage({ params }: { params: Promise<{ trunkId: string }> }) {
  const actor = await requirePermission("portal:use");
  const { trunkId } = await params;
  const trunk = await orNotFound(getOwnTrunk(getDb(), actor, trunkId));
  const checks = await listCredentialChecks(getDb(), trunk.id);
  const guideTrunk: HelpTrunk = {
    ...trunk,
    hostnames: trunk.servers.map((s) => s.server.hostname),
    realms: trunk.servers.map((s) => s.server.realm),
    dids: trunk.dids.map((d) => d.number),
  };
  return (
    <>
      <PageHeader title={`Trunk ${trunk.username}`}>
        <StatusBadge kind="trunk" status={trunk.status} />
      </PageHeader>
      <AttentionNotice reasons={attentionReasons(trunk, checks, "customer")} />
      <p className="mb-4">
        <Link href={`/portal/trunks/${trunk.id}/calls`}>Recent calls, and why any failed</Link>
      </p>
      <Card title="Is my PBX connected?">
        <RegistrationStatus
          trunkId={trunk.id}
          username={trunk.username}
          hostnames={guideTrunk.hostnames}
          audience="customer"
        />
        <h3 className="mt-4 mb-2 font-semibold">Our SIP servers</h3>
        <SyncStatus trunk={trunk} audience="customer" />
        <h3 className="mt-4 mb-2 font-semibold">Do our servers accept these credentials?</h3>
        <CredentialChecks checks={checks} />
      </Card>
      <TrunkCredentials trunk={trunk} revealAction={revealOwnPasswordAction} />
      {trunk.status === "ACTIVE" ? (
        <Card title="Change the SIP password">
          <ResetPasswordForm action={resetOwnPasswordAction} trunkId={trunk.id} audience="customer">
            <p className="text-sm text-muted-foreground">
              If the password may have leaked, get a new one. Your PBX must then use the new password: the old one stops
              working as soon as our SIP servers have the new one, which this page tells you. The account's contact gets
              an email about it.
            </p>
          </ResetPasswordForm>
        </Card>
      ) : null}
      <Card title="Setup help">
        <p className="mb-4 text-sm text-muted-foreground">
          Settings for common PBXs, filled in with this trunk's values. Replace {"<your SIP password>"} with the
          password above.
        </p>
        {setupGuides(guideTrunk).map((guide) => (
          <GuideBlock key={guide.id} guide={guide} />
        ))}
      </Card>
      <Card title="Expected SIP packets">
        <p className="mb-4 text-sm text-muted-foreground">
          If registering or calling fails, capture your PBX's SIP traffic and compare it with these examples.
        </p>
        {expectedPackets(guideTrunk).map((guide) => (
          <GuideBlock key={guide.id} guide={guide} />
        ))}
      </Card>
      <Card title="Troubleshooting">
        <p className="mb-4 text-sm text-muted-foreground">
          Registered but calls fail? <Link href={`/portal/trunks/${trunk.id}/packet-check`}>Check a SIP capture</Link>{" "}
          against what this trunk should send: every difference is explained, with its fix.
        </p>
        <HelpTopics topics={troubleshooting(guideTrunk)} />
      </Card>
    </>
  );
}
