/**
 * The portal's UI kit (shadcn-style): one file per building block, variants with class-variance-authority, classes
 * merged with tailwind-merge (`cn`), colours from the semantic tokens in app/globals.css (light and dark).
 * Pages compose these instead of repeating class strings.
 */
export { Alert, type AlertTone, alertVariants } from "./alert";
export { Badge, type BadgeColor, badgeVariants } from "./badge";
export { Button, ButtonLink, buttonVariants } from "./button";
export { Card } from "./card";
export { cn } from "./cn";
export { CopyableValue } from "./copyable-value";
export { DateTime } from "./date-time";
export { DefinitionList } from "./definition-list";
export { Disclosure } from "./disclosure";
export { formatDateTime } from "./format";
export { Input, inputClass, labelClass, Select } from "./input";
export { PageHeader } from "./page-header";
export { Pagination } from "./pagination";
export { CaseSensitiveWarning, SipServerList } from "./sip-server-list";
export { Stat } from "./stat";
export { StatusBadge, type StatusKind } from "./status-badge";
export { Table, Td } from "./table";
