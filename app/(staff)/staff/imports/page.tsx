import type { Metadata } from "next";
import Link from "next/link";
import { ActionForm, SubmitButton, TextField } from "@/components/forms";
import { Badge, Card, DateTime, PageHeader, Table, Td } from "@/components/ui";
import { requirePermission } from "@/lib/auth/guards";
import { MAX_CSV_BYTES, MAX_CSV_ROWS } from "@/lib/csv";
import { getDb } from "@/lib/db";
import { listImports } from "@/lib/imports";
import { IMPORT_COLUMNS } from "@/lib/imports/rows";
import { uploadImportAction } from "./actions";
import { IMPORT_STATUS_COLORS } from "./status";

export const metadata: Metadata = { title: "Imports" };

export default async function ImportsPage() {
  await requirePermission("imports:run");
  const imports = await listImports(getDb());
  return (
    <>
      <PageHeader title="Import customers and trunks">
        Upload a CSV file: every row is checked first, as the customer and trunk forms check them (a dry run that
        changes nothing), then you start the import. <a href="/staff/imports/template.csv">Download the template</a>.
      </PageHeader>
      <Card title="Upload a file">
        <ActionForm action={uploadImportAction} aria-label="Upload a CSV file">
          <TextField
            name="file"
            type="file"
            accept=".csv,text/csv"
            label="CSV file"
            hint="Nothing is imported yet: the next page lists any errors by line and column."
          />
          <SubmitButton>Check the file</SubmitButton>
        </ActionForm>
        <details className="mt-4 text-sm">
          <summary>The file&apos;s columns</summary>
          <p className="mt-2">
            A header line with <code>{IMPORT_COLUMNS.join(", ")}</code>, then one line per customer and trunk, at most{" "}
            {MAX_CSV_ROWS.toLocaleString("en")} lines and {MAX_CSV_BYTES / 1024 / 1024} MB. Rows with the same{" "}
            <code>customer_external_id</code> add trunks to one customer; a row without <code>trunk_external_id</code>{" "}
            creates only the customer. The external ids are your own (billing or CRM): importing the same file again
            creates nothing twice. <code>servers</code> lists SIP server hostnames exactly as written on the servers
            page; <code>dids</code> and <code>allowed_countries</code> are separated by spaces, commas or semicolons.
          </p>
        </details>
      </Card>
      <Card title="Recent imports">
        {imports.length === 0 ? (
          <p className="text-muted-foreground">No imports yet.</p>
        ) : (
          <Table caption="Recent imports" headers={["File", "Rows", "Status", "Uploaded"]}>
            {imports.map((item) => (
              <tr key={item.id}>
                <Td label="File">
                  <Link href={`/staff/imports/${item.id}`}>{item.filename}</Link>
                </Td>
                <Td label="Rows">{item.totalRows.toLocaleString("en")}</Td>
                <Td label="Status">
                  <Badge color={IMPORT_STATUS_COLORS[item.status]}>{item.status.toLowerCase()}</Badge>
                </Td>
                <Td label="Uploaded" className="sm:whitespace-nowrap">
                  <DateTime value={item.createdAt} />
                </Td>
              </tr>
            ))}
          </Table>
        )}
      </Card>
    </>
  );
}
