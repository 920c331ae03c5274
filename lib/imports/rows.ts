import { z } from "zod";
import { fieldErrorsOf } from "../commands";
import { csvLine } from "../csv";
import { customerInput } from "../customers";
import { trunkSettings } from "../trunks/schema";
import { hasControlCharacters } from "../validation";

/**
 * The import file's columns, in the template's order. One row is one customer and, when it has a trunk_external_id,
 * one trunk of theirs; rows with the same customer_external_id add trunks to one customer. The external ids are the
 * provider's own (billing or CRM ids): importing a row again finds what it created and creates nothing twice.
 */
export const IMPORT_COLUMNS = [
  "customer_external_id",
  "company",
  "contact_name",
  "contact_email",
  "trunk_external_id",
  "servers",
  "call_limit",
  "dial_permission",
  "allowed_countries",
  "caller_id_policy",
  "forced_caller_id",
  "forced_caller_id_name",
  "dids",
] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];
export type ImportRowValues = Record<ImportColumn, string>;

/** The forms' field names and the file's columns: an error of a form field is an error of its column. */
const COLUMN_OF_FIELD: Record<string, ImportColumn> = {
  company: "company",
  contactName: "contact_name",
  contactEmail: "contact_email",
  serverIds: "servers",
  callLimit: "call_limit",
  dialPermission: "dial_permission",
  allowedCountries: "allowed_countries",
  callerIdPolicy: "caller_id_policy",
  forcedCallerId: "forced_caller_id",
  forcedCallerIdName: "forced_caller_id_name",
  dids: "dids",
};

const TRUNK_COLUMNS = IMPORT_COLUMNS.slice(IMPORT_COLUMNS.indexOf("servers"));

export const IMPORT_TEMPLATE =
  csvLine(IMPORT_COLUMNS) +
  csvLine([
    "crm-1001",
    "Acme Dental",
    "Pat Jones",
    "pat@acme.example",
    "crm-1001-main",
    "sip.example.com",
    "10",
    "US_CANADA",
    "",
    "OWN_DIDS",
    "",
    "",
    "+12025550143; +12025550144",
  ]) +
  csvLine(["crm-1002", "Zed Logistics", "Sam Lee", "sam@zed.example", "", "", "", "", "", "", "", "", ""]);

const externalId = z
  .string()
  .trim()
  .min(1, "Give the provider's id for this record (any text up to 100 characters).")
  .max(100, "Use at most 100 characters.")
  .regex(/^[\x21-\x7e]+$/, "Use letters, digits and punctuation only, no spaces.");

export type CellError = { line: number; column: ImportColumn | null; message: string };

/** What a row asks for, validated by the forms' own schemas. */
export type CheckedRow = {
  customerExternalId: string;
  customer: z.output<typeof customerInput>;
  trunk: { externalId: string; settings: z.output<typeof trunkSettings> } | null;
};

/**
 * Checks one row with the same schemas as the customer and trunk forms. `serverIds` maps the hostnames written in the
 * file (exactly, case included: the provider's hostnames are case-sensitive) to the active servers' ids.
 */
export function checkRow(
  line: number,
  values: ImportRowValues,
  serverIds: ReadonlyMap<string, string>,
): { row: CheckedRow } | { errors: CellError[] } {
  const errors: CellError[] = [];
  const fail = (column: ImportColumn | null, message: string) => errors.push({ line, column, message });
  for (const column of IMPORT_COLUMNS) {
    if (hasControlCharacters(values[column])) {
      fail(column, "Remove the invisible control characters (such as NUL or a line break) from this cell.");
    }
  }
  if (errors.length) return { errors };

  const customerRef = externalId.safeParse(values.customer_external_id);
  if (!customerRef.success) fail("customer_external_id", customerRef.error.issues[0]?.message ?? "Invalid id.");
  const customer = customerInput.safeParse({
    company: values.company,
    contactName: values.contact_name,
    contactEmail: values.contact_email,
  });
  if (!customer.success) reportFieldErrors(customer.error, fail);

  let trunk: CheckedRow["trunk"] = null;
  if (values.trunk_external_id.trim() === "") {
    const stray = TRUNK_COLUMNS.find((column) => values[column].trim() !== "");
    if (stray) fail("trunk_external_id", "Give the trunk an id, or leave the trunk's columns empty.");
  } else {
    const trunkRef = externalId.safeParse(values.trunk_external_id);
    if (!trunkRef.success) fail("trunk_external_id", trunkRef.error.issues[0]?.message ?? "Invalid id.");
    const hostnames = values.servers.split(/[\s,;]+/).filter(Boolean);
    const unknown = hostnames.filter((hostname) => !serverIds.has(hostname));
    if (unknown.length) {
      fail(
        "servers",
        `No active SIP server is called ${unknown.join(", ")} (hostnames are case-sensitive: copy them from the servers page).`,
      );
    }
    const settings = trunkSettings.safeParse({
      serverIds: hostnames.map((hostname) => serverIds.get(hostname) ?? hostname),
      callLimit: values.call_limit,
      dialPermission: values.dial_permission.trim().toUpperCase(),
      allowedCountries: values.allowed_countries,
      callerIdPolicy: values.caller_id_policy.trim().toUpperCase(),
      forcedCallerId: values.forced_caller_id,
      forcedCallerIdName: values.forced_caller_id_name,
      dids: values.dids,
    });
    if (!settings.success) reportFieldErrors(settings.error, fail, unknown.length ? ["serverIds"] : []);
    if (trunkRef.success && settings.success) trunk = { externalId: trunkRef.data, settings: settings.data };
  }
  if (errors.length || !customerRef.success || !customer.success) return { errors };
  return { row: { customerExternalId: customerRef.data, customer: customer.data, trunk } };
}

function reportFieldErrors(
  error: z.ZodError,
  fail: (column: ImportColumn | null, message: string) => void,
  alreadyReported: string[] = [],
) {
  for (const [field, messages] of Object.entries(fieldErrorsOf(error))) {
    if (alreadyReported.includes(field)) continue;
    for (const message of messages) fail(COLUMN_OF_FIELD[field] ?? null, message);
  }
}
