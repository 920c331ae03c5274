import type { Metadata } from "next";
import Link from "next/link";
import { ActionForm, Checkbox, SubmitButton } from "@/components/forms";
import { ImportProgress } from "@/components/import-progress";
import { Badge, Card, DefinitionList, formatDateTime, PageHeader, Table, Td } from "@/components/ui";
import { requirePermission } from "@/lib/auth/guards";
import { getDb } from "@/lib/db";
import { getImportProgress } from "@/lib/imports";
import { orNotFound } from "@/lib/or-not-found";
import { cancelImportAction, startImportAction } from "../actions";
import { IMPORT_STATUS_COLORS } from "../status";

export const metadata: Metadata = { title: "Import" };

export default async function ImportPage({ params }: { params: Promise<{ importId: string }> }) {
  await requirePermission("imports:run");
  const { importId } = await params;
  const progress = await orNotFound(getImportProgress(getDb(), importId));
  const { import: found, counts, errors } = progress;
  const running = found.status === "RUNNING";
  const finished = found.status === "COMPLETED" || found.status === "CANCELLED";
  return (
    <>
      <PageHeader title={`Import: ${found.filename}`}>
        <Link href="/staff/imports">All imports</Link>
      </PageHeader>
      <Card title="Status">
        <DefinitionList
          items={[
            [
              "Status",
              <Badge key="status" color={IMPORT_STATUS_COLORS[found.status]}>
                <span data-testid="import-status">{found.status.toLowerCase()}</span>
              </Badge>,
            ],
            ["Rows", found.totalRows.toLocaleString("en")],
            ["Uploaded", formatDateTime(found.createdAt)],
            ...(found.startedAt
              ? ([
                  ["Credentials emailed", found.sendCredentials ? "yes" : "no"],
                  ["Started", formatDateTime(found.startedAt)],
                ] as [string, string][])
              : []),
            ...(found.finishedAt ? ([["Finished", formatDateTime(found.finishedAt)]] as [string, string][]) : []),
          ]}
        />
      </Card>

      {found.status === "INVALID" ? (
        <Card title={`${found.errorCount.toLocaleString("en")} errors: nothing was imported`}>
          <p className="mb-3 text-sm">Correct the file and upload it again. Line 1 is the header line.</p>
          <Table caption="Errors by line and column" headers={["Line", "Column", "Error"]}>
            {errors.map((error) => (
              <tr key={`${error.line}-${error.column}-${error.message}`}>
                <Td label="Line">{error.line}</Td>
                <Td label="Column" className="font-mono text-sm">
                  {error.column ?? "(row)"}
                </Td>
                <Td label="Error">{error.message}</Td>
              </tr>
            ))}
          </Table>
          {found.errorCount > errors.length ? (
            <p className="mt-2 text-sm">The first {errors.length.toLocaleString("en")} errors are shown.</p>
          ) : null}
        </Card>
      ) : null}

      {found.status === "READY" ? (
        <Card title="Ready to import">
          <p className="mb-3 text-sm">
            Every row passed the checks. Each row is imported on its own: a row that fails later (a DID taken meanwhile,
            say) is reported in the result and does not stop the others.
          </p>
          <ActionForm action={startImportAction} aria-label="Start the import">
            <input type="hidden" name="importId" value={found.id} />
            <Checkbox name="sendCredentials" label="Email each new trunk's credentials to its customer" />
            <SubmitButton>Start the import</SubmitButton>
          </ActionForm>
        </Card>
      ) : null}

      {found.startedAt ? (
        <Card title="Progress">
          <ImportProgress
            running={running}
            done={progress.done}
            total={found.totalRows}
            rate={progress.rate}
            etaSeconds={progress.etaSeconds}
          />
          <p className="mt-2 text-sm">
            Created {counts.CREATED} · already there {counts.EXISTING} · failed {counts.FAILED}
            {counts.SKIPPED ? ` · skipped ${counts.SKIPPED}` : ""}
          </p>
          {running && !found.cancelRequestedAt ? (
            <ActionForm
              action={cancelImportAction}
              aria-label="Cancel the import"
              className="mt-4"
              confirm="Cancel the import? Rows already imported stay."
            >
              <input type="hidden" name="importId" value={found.id} />
              <SubmitButton variant="danger">Cancel the import</SubmitButton>
            </ActionForm>
          ) : null}
          {running && found.cancelRequestedAt ? <p className="mt-2 text-sm">Cancelling…</p> : null}
          {finished ? (
            <p className="mt-4">
              <a href={`/staff/imports/${found.id}/result.csv`} download>
                Download the result (CSV: line, customer, username, status)
              </a>
            </p>
          ) : null}
        </Card>
      ) : null}
    </>
  );
}
