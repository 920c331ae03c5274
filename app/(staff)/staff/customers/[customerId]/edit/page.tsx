import type { Metadata } from "next";
import { ActionForm, SelectField, SubmitButton } from "@/components/forms";
import { Card, PageHeader } from "@/components/ui";
import { requirePermission } from "@/lib/auth/guards";
import { getCustomer } from "@/lib/customers";
import { getDb } from "@/lib/db";
import { orNotFound } from "@/lib/or-not-found";
import { updateCustomerAction } from "../../../actions";
import { CustomerFields } from "../../customer-fields";

export const metadata: Metadata = { title: "Edit customer" };

export default async function EditCustomerPage({ params }: { params: Promise<{ customerId: string }> }) {
  await requirePermission("customers:edit");
  const { customerId } = await params;
  const customer = await orNotFound(getCustomer(getDb(), customerId));
  return (
    <>
      <PageHeader title={`Edit ${customer.company}`} />
      <Card>
        <ActionForm action={updateCustomerAction} aria-label="Edit customer">
          <input type="hidden" name="customerId" value={customer.id} />
          <CustomerFields defaults={customer} />
          <SelectField
            name="status"
            label="Status"
            defaultValue={customer.status}
            options={[
              { value: "ACTIVE", label: "Active" },
              { value: "SUSPENDED", label: "Suspended" },
              { value: "CLOSED", label: "Closed" },
            ]}
          />
          <SubmitButton>Save customer</SubmitButton>
        </ActionForm>
      </Card>
    </>
  );
}
