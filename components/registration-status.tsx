import { Suspense } from "react";
import { getRegistrar } from "@/lib/registrar";
import { liveRegistration } from "@/lib/trunks/live-status";
import { type Audience, type RegistrationView, statusUrl } from "@/lib/trunks/live-status-view";
import { LiveRegistration } from "./live-trunk-status";

type Props = {
  trunkId: string;
  username: string;
  hostnames: string[];
  audience?: Audience;
  /** A list of trunks looks all of them up at once (liveRegistrations) and passes each one's answer here. */
  lookup?: Promise<Map<string, RegistrationView>>;
};

/**
 * The trunk's live registrations. The registrar is asked while the rest of the page is already shown (it streams in
 * behind Suspense), gets a few seconds to answer before the page says it is not answering, and the answer then keeps
 * itself current.
 */
export function RegistrationStatus(props: Props) {
  return (
    <Suspense
      fallback={
        <p className="text-muted-foreground" data-testid="registration-state" data-state="asking">
          Asking the registrar…
        </p>
      }
    >
      <RegistrationLookup {...props} />
    </Suspense>
  );
}

async function RegistrationLookup({ trunkId, username, hostnames, audience = "staff", lookup }: Props) {
  const checkedAt = new Date().toISOString();
  const value = (await lookup)?.get(username) ?? (await liveRegistration(getRegistrar(), username, hostnames));
  return <LiveRegistration url={statusUrl(trunkId, audience)} initial={{ checkedAt, value }} />;
}
