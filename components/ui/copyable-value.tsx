import { CopyButton } from "../copy-button";

/** A value shown exactly as stored, in monospace, with a copy button. */
export function CopyableValue({ value, label, testId }: { value: string; label: string; testId?: string }) {
  return (
    <span className="inline-flex max-w-full flex-wrap items-center gap-2">
      <code className="rounded bg-muted px-2 py-1 font-mono text-sm break-all" data-testid={testId}>
        {value}
      </code>
      <CopyButton value={value} label={label} />
    </span>
  );
}
