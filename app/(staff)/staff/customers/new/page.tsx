import type { Metadata } from "next";
import { ActionForm, SubmitButton } from "@/components/forms";
import { Card, PageHeader } from "@/components/ui";
import { requirePermission } from "@/lib/auth/guards";
import { createCustomerAction } from "../../actions";
import { CustomerFields } from "../customer-fields";

export const metadata: Metadata = { title: "New customer" };

export default async function NewCustomerPage() {
  await requirePermission("customers:create");
  return (
    <>
      <PageHeader title="New customer" />
      <Card>
        <ActionForm action={createCustomerAction} aria-label="New customer">
          <CustomerFields />
          <SubmitButton>Create customer</SubmitButton>
        </ActionForm>
      </Card>
    </>
  );
}
