"use client";

import { useSyncExternalStore } from "react";
import { formatDateTime } from "./format";

const subscribeToNothing = () => () => {};

/** In the viewer's own time zone and language, with the zone named ("Nov 27, 2026, 9:30 AM EST"). */
function formatLocal(date: Date): string {
  // dateStyle/timeStyle cannot be combined with timeZoneName, so the parts are named one by one.
  return new Intl.DateTimeFormat(undefined, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZoneName: "short",
  }).format(date);
}

/**
 * A date and time in the viewer's time zone, which only the browser knows: the server renders it in UTC (zone
 * named), and once the page runs in the browser it shows the viewer's local time with their zone. The exact
 * instant stays in `dateTime` for machines and in the tooltip in UTC.
 */
export function DateTime({ value }: { value: Date | string | null | undefined }) {
  // false while rendering on the server and hydrating (so both agree), true once running in the browser.
  const inBrowser = useSyncExternalStore(
    subscribeToNothing,
    () => true,
    () => false,
  );
  if (!value) return <>—</>;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return <>—</>;
  return (
    <time dateTime={date.toISOString()} title={formatDateTime(date)}>
      {inBrowser ? formatLocal(date) : formatDateTime(date)}
    </time>
  );
}
