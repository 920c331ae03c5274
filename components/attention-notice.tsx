import { Alert, Badge } from "./ui";

/** "Needs attention" with its reasons (lib/trunks/attention.ts), at the top of the trunk page. */
export function AttentionNotice({ reasons }: { reasons: string[] }) {
  if (reasons.length === 0) return null;
  return (
    <Alert tone="warning" role="alert" className="mb-6 px-4 py-3 text-base">
      <p>
        <Badge color="amber">Needs attention</Badge>
      </p>
      <ul className="mt-2 list-disc pl-5 text-sm">
        {reasons.map((reason) => (
          <li key={reason}>{reason}</li>
        ))}
      </ul>
    </Alert>
  );
}
