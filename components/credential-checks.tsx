import type { CredentialCheckRow } from "@/lib/trunks/credential-check";
import { Badge, formatDateTime } from "./ui";

/** What one check found, in plain words: the headline and what it means for the PBX. */
function describeCheck(check: CredentialCheckRow): { badge: "green" | "red" | "amber"; label: string; text: string } {
  const host = check.server.hostname;
  const at = formatDateTime(check.checkedAt);
  const answer = check.status ? ` (${check.status}${check.reason ? ` ${check.reason}` : ""})` : "";
  switch (check.outcome) {
    case "VERIFIED":
      return {
        badge: "green",
        label: "Verified",
        text: `Credentials verified on ${host} at ${at}${check.latencyMs !== null ? `, answered in ${check.latencyMs} ms` : ""}.`,
      };
    case "REJECTED":
      return {
        badge: "red",
        label: "Refused",
        text: `${host} refused these credentials at ${at}${answer}. A PBX using them cannot register or call until this is fixed: staff can resync the trunk; if that does not help, the server's realm may not match the registrar's.`,
      };
    case "NO_ANSWER":
      return {
        badge: "amber",
        label: "No answer",
        text: `${host} did not answer the check at ${at}. The server may be down, or unreachable from the portal; PBXs may still reach it.`,
      };
    default:
      return {
        badge: "amber",
        label: "Not checked",
        text: `The check on ${host} could not complete at ${at}${answer}: ${check.detail ?? "unknown error"}.`,
      };
  }
}

/** The latest on-the-wire proof of the trunk's credentials, per SIP server. */
export function CredentialChecks({ checks }: { checks: CredentialCheckRow[] }) {
  if (checks.length === 0) {
    return (
      <p className="text-sm text-muted-foreground" data-testid="credential-checks">
        Not checked yet: the portal registers with these credentials after every change that reaches the registrar.
      </p>
    );
  }
  return (
    <ul className="space-y-2" data-testid="credential-checks">
      {checks.map((check) => {
        const { badge, label, text } = describeCheck(check);
        return (
          <li key={check.serverId}>
            <Badge color={badge}>{label}</Badge> {text}
          </li>
        );
      })}
    </ul>
  );
}
