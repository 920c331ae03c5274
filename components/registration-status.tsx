import { getRegistrar } from "@/lib/registrar";
import { registrationStatus, type RegistrationStatus as Status } from "@/lib/registrar/status";
import { Badge, CopyableValue, formatDateTime } from "./ui";

/**
 * Whether the trunk's PBX is registered right now, from where and until when; flags a mis-cased server name. A list
 * of trunks passes each one's `status` from one lookup for the whole page (registrationStatuses).
 */
export async function RegistrationStatus({
  username,
  hostnames,
  status: known,
}: {
  username: string;
  hostnames: string[];
  status?: Status;
}) {
  const status = known ?? (await registrationStatus(getRegistrar(), username, hostnames));
  if (status.state === "unavailable") {
    return (
      <p>
        <Badge color="amber">Unknown</Badge> The registrar could not be reached: {status.error}
      </p>
    );
  }
  if (status.registrations.length === 0) {
    return (
      <p data-testid="registration-state">
        <Badge color="slate">Not registered</Badge> No PBX is registered with these credentials right now.
      </p>
    );
  }
  return (
    <ul className="space-y-3" data-testid="registration-state">
      {status.registrations.map((registration) => (
        <li key={`${registration.contact}-${registration.realm}`}>
          <p>
            <Badge color="green">Registered</Badge> from <code className="font-mono">{registration.source ?? "?"}</code>
            {registration.userAgent ? (
              <>
                {" "}
                with <span className="font-mono">{registration.userAgent}</span>
              </>
            ) : null}
            , until {formatDateTime(registration.expiresAt)}
          </p>
          {registration.caseMismatch ? (
            <div role="alert" className="mt-2 rounded border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900">
              <p>
                <strong>The PBX uses the wrong casing for the server name.</strong> It registered to{" "}
                <code className="font-mono">{registration.caseMismatch.used}</code>, so calls will fail. Change the
                server (registrar, proxy and domain) in the PBX to exactly:
              </p>
              <p className="mt-2">
                <CopyableValue value={registration.caseMismatch.expected} label="the exact server name" />
              </p>
            </div>
          ) : null}
        </li>
      ))}
    </ul>
  );
}
