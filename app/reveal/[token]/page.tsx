import type { Metadata } from "next";
import { getDb } from "@/lib/db";
import { checkRevealLink } from "@/lib/portal";
import { revealWithLinkAction } from "./actions";
import { LinkProblem } from "./link-problem";
import { RevealLinkForm } from "./reveal-link-form";

export const metadata: Metadata = { title: "Your SIP password", referrer: "no-referrer", robots: { index: false } };

/** Opening the page does not use the link (mail scanners prefetch links); only pressing the button does. */
export default async function RevealLinkPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const link = await checkRevealLink(getDb(), token);
  return (
    <main className="mx-auto max-w-xl px-4 py-12">
      <h1 className="mb-6 text-2xl font-bold">Your SIP password</h1>
      {link.state === "valid" ? (
        <RevealLinkForm token={token} action={revealWithLinkAction} />
      ) : (
        <LinkProblem state={link.state} />
      )}
    </main>
  );
}
