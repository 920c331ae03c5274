import { TriangleAlert } from "lucide-react";
import { CASE_WARNING } from "@/lib/trunks/server-name-warning";
import { Alert } from "./alert";
import { CopyableValue } from "./copyable-value";

/** The case-sensitivity warning that accompanies every SIP server hostname. */
export function CaseSensitiveWarning() {
  return (
    <Alert tone="warning" role="note" className="mt-2 flex gap-2">
      <TriangleAlert aria-hidden="true" className="mt-0.5 size-4 shrink-0" />
      <p>
        <strong>{CASE_WARNING.headline}</strong> {CASE_WARNING.detail}
      </p>
    </Alert>
  );
}

export function SipServerList({ hostnames }: { hostnames: string[] }) {
  return (
    <div>
      <ul className="space-y-2">
        {hostnames.map((hostname) => (
          <li key={hostname}>
            <CopyableValue value={hostname} label={`SIP server ${hostname}`} testId="sip-server" />
          </li>
        ))}
      </ul>
      <CaseSensitiveWarning />
    </div>
  );
}
