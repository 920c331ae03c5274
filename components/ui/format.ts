const UTC_FORMAT = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

/**
 * A date and time in UTC, zone named: what the server can write without knowing the viewer's zone (emails, text
 * built on the server, and the first paint of `<DateTime>` before the browser puts it in the viewer's zone).
 */
export function formatDateTime(date: Date | string | null | undefined): string {
  if (!date) return "—";
  return `${UTC_FORMAT.format(new Date(date))} UTC`;
}
