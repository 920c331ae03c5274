import {
  Ban,
  CircleCheck,
  CircleDashed,
  CircleX,
  Clock,
  LoaderCircle,
  type LucideIcon,
  Send,
  Trash2,
  TriangleAlert,
  WifiOff,
} from "lucide-react";
import { Badge, type BadgeColor } from "./badge";

type Look = { label: string; color: BadgeColor; Icon: LucideIcon };

/** How every status of the portal looks, in one place: the same word, colour and icon on every page. */
const STATUS_LOOKS = {
  trunk: {
    ACTIVE: { label: "active", color: "green", Icon: CircleCheck },
    DISABLED: { label: "disabled", color: "red", Icon: Ban },
    DELETED: { label: "deleted", color: "slate", Icon: Trash2 },
  },
  customer: {
    ACTIVE: { label: "active", color: "green", Icon: CircleCheck },
    SUSPENDED: { label: "suspended", color: "amber", Icon: Ban },
    CLOSED: { label: "closed", color: "slate", Icon: CircleX },
  },
  sync: {
    SYNCED: { label: "Synced", color: "green", Icon: CircleCheck },
    PENDING: { label: "Pending", color: "amber", Icon: LoaderCircle },
    FAILED: { label: "Sync failed", color: "red", Icon: CircleX },
    NEEDS_ATTENTION: { label: "Needs attention", color: "red", Icon: TriangleAlert },
  },
  mail: {
    QUEUED: { label: "queued", color: "amber", Icon: Clock },
    SENDING: { label: "sending", color: "blue", Icon: Send },
    SENT: { label: "sent", color: "green", Icon: CircleCheck },
    FAILED: { label: "failed", color: "red", Icon: CircleX },
    SUPERSEDED: { label: "replaced, not sent", color: "slate", Icon: CircleDashed },
  },
  registration: {
    REGISTERED: { label: "Registered", color: "green", Icon: CircleCheck },
    NOT_REGISTERED: { label: "Not registered", color: "slate", Icon: CircleDashed },
    NOT_ANSWERING: { label: "Registrar not answering", color: "amber", Icon: WifiOff },
  },
} as const satisfies Record<string, Record<string, Look>>;

type Looks = typeof STATUS_LOOKS;
export type StatusKind = keyof Looks;

/** A status as a badge: `<StatusBadge kind="trunk" status={trunk.status} />`. */
export function StatusBadge<Kind extends StatusKind>({ kind, status }: { kind: Kind; status: keyof Looks[Kind] }) {
  const look = STATUS_LOOKS[kind][status] as Look;
  return (
    <Badge color={look.color} icon={<look.Icon aria-hidden="true" />}>
      {look.label}
    </Badge>
  );
}
