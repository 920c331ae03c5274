"use client";

import { useActionState } from "react";
import type { Finding } from "@/lib/packet-check";
import type { PacketCheckState } from "@/lib/packet-check/service";
import { SubmitButton } from "./forms";
import { Alert, Badge } from "./ui";

const SEVERITY = {
  error: { color: "red", label: "Problem" },
  warning: { color: "amber", label: "Check" },
  info: { color: "blue", label: "Note" },
} as const;

function FindingItem({ finding }: { finding: Finding }) {
  const severity = SEVERITY[finding.severity];
  return (
    <li className="mt-1 text-sm">
      <Badge color={severity.color}>{severity.label}</Badge> {finding.text}{" "}
      {finding.topic ? (
        <a className="text-link underline" href={`#help-${finding.topic}`}>
          How to fix
        </a>
      ) : null}
    </li>
  );
}

/** Paste a trace or upload a capture; the findings come back message by message. */
export function PacketCheck({
  trunkId,
  action,
}: {
  trunkId: string;
  action: (state: PacketCheckState, formData: FormData) => Promise<PacketCheckState>;
}) {
  const [state, formAction] = useActionState(action, null);
  return (
    <>
      <form action={formAction} className="space-y-4" aria-label="Packet check">
        <input type="hidden" name="trunkId" value={trunkId} />
        <div>
          <label htmlFor="trace" className="block font-medium">
            SIP trace
          </label>
          <p id="trace-hint" className="text-sm text-muted-foreground">
            Paste an sngrep or ngrep text export, Asterisk's <code>pjsip set logger on</code> output, or FreeSWITCH's
            siptrace.
          </p>
          <textarea
            id="trace"
            name="trace"
            rows={10}
            aria-describedby="trace-hint"
            className="mt-1 w-full rounded border border-border p-2 font-mono text-sm"
          />
        </div>
        <div>
          <label htmlFor="capture" className="block font-medium">
            Or upload a capture
          </label>
          <input id="capture" name="capture" type="file" accept=".pcap,.pcapng,.cap,.txt" className="mt-1 text-sm" />
          <p className="text-sm text-muted-foreground">.pcap or .pcapng (Wireshark, tcpdump), up to 8 MB.</p>
        </div>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" name="save" className="size-4" />
          Save this trace to the trunk's ticket history (kept 30 days; otherwise nothing is kept)
        </label>
        <SubmitButton>Check the trace</SubmitButton>
      </form>
      {state && !state.ok ? (
        <Alert tone="danger" role="alert" className="mt-4">
          {state.error}
        </Alert>
      ) : null}
      {state?.ok ? <Report state={state} /> : null}
    </>
  );
}

function Report({ state }: { state: Extract<PacketCheckState, { ok: true }> }) {
  const { report } = state;
  return (
    <section aria-label="Findings" className="mt-6" data-testid="packet-check-report">
      <p role="status" className="text-sm">
        {report.messages.length} SIP messages read from the {report.input === "capture" ? "capture" : "trace"}:{" "}
        {report.errorCount === 0 ? "no problems found." : `${report.errorCount} problems found.`}
        {state.savedId ? " Saved to the ticket history." : ""}
      </p>
      {report.warnings.map((warning) => (
        <p key={warning} className="mt-1 text-sm text-amber-900 dark:text-amber-200">
          {warning}
        </p>
      ))}
      <ul className="mt-2 list-none">
        {report.overall.map((finding) => (
          <FindingItem key={finding.text} finding={finding} />
        ))}
      </ul>
      <ol className="mt-4 space-y-4">
        {report.messages.map((message) => (
          <li key={message.index} className="rounded border border-border p-3">
            <p className="font-mono text-sm break-all">
              {message.index}. {message.summary}
            </p>
            {message.source || message.destination ? (
              <p className="text-xs text-muted-foreground">
                {message.time ? `${message.time} · ` : ""}
                {message.source ?? "?"} → {message.destination ?? "?"}
                {message.transport ? ` (${message.transport})` : ""}
              </p>
            ) : null}
            <ul className="list-none">
              {message.findings.map((finding) => (
                <FindingItem key={`${finding.topic}-${finding.text}`} finding={finding} />
              ))}
            </ul>
          </li>
        ))}
      </ol>
    </section>
  );
}
