import { demoStatus } from "@/lib/customers/demo";
import { Badge, DateTime } from "./ui";

/** A demo account's end: days left, or that it has ended (staff lists and pages, and the customer portal). */
export function DemoBadge({ customer }: { customer: { isDemo: boolean; demoExpiresAt: Date | null } }) {
  const demo = demoStatus(customer);
  if (!demo) return null;
  if (demo.ended) {
    return (
      <Badge color="red">
        Demo ended <DateTime value={demo.endsAt} />
      </Badge>
    );
  }
  return (
    <Badge color={demo.daysLeft <= 3 ? "amber" : "blue"}>
      Demo: {demo.daysLeft} {demo.daysLeft === 1 ? "day" : "days"} left (ends <DateTime value={demo.endsAt} />)
    </Badge>
  );
}
