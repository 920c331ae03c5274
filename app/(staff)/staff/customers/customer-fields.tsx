import { TextField } from "@/components/forms";

export function CustomerFields({
  defaults,
}: {
  defaults?: { company: string; contactName: string; contactEmail: string };
}) {
  return (
    <>
      <TextField name="company" label="Company" defaultValue={defaults?.company} autoComplete="organization" />
      <TextField name="contactName" label="Contact name" defaultValue={defaults?.contactName} autoComplete="name" />
      <TextField
        name="contactEmail"
        label="Contact email"
        type="email"
        defaultValue={defaults?.contactEmail}
        hint="Credentials and notices are sent here; it is also the customer's sign-in."
      />
    </>
  );
}
