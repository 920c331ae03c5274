import type { Metadata } from "next";
import { ActionForm, SubmitButton, TextField } from "@/components/forms";
import { Badge, Card, DateTime, PageHeader } from "@/components/ui";
import { requirePermission } from "@/lib/auth/guards";
import { can } from "@/lib/auth/policy";
import { getDb } from "@/lib/db";
import { getOwnAccount } from "@/lib/portal";
import { INVITATION_LINK_HOURS, listOwnPeople } from "@/lib/portal/invite";
import { inviteColleagueAction } from "../actions";

export const metadata: Metadata = { title: "People" };

/** Who can sign in to the customer's account, and inviting a colleague. */
export default async function PeoplePage() {
  const actor = await requirePermission("portal:use");
  const db = getDb();
  const [{ customer }, people] = await Promise.all([getOwnAccount(db, actor), listOwnPeople(db, actor)]);
  return (
    <>
      <PageHeader title="People">Everyone who can sign in to {customer.company}&apos;s trunks.</PageHeader>
      <Card title="Who can sign in">
        <ul className="divide-y divide-border">
          {people.map((person) => (
            <li key={person.id} className="py-3">
              <p className="font-medium break-words">
                {person.name} — <span className="break-all">{person.email}</span>{" "}
                {person.id === actor.id ? <Badge color="blue">you</Badge> : null}
                {person.active ? null : <Badge color="red">cannot sign in</Badge>}
              </p>
              <p className="text-sm text-muted-foreground">
                Last sign-in: {person.lastSignInAt ? <DateTime value={person.lastSignInAt} /> : "never"}
              </p>
            </li>
          ))}
        </ul>
      </Card>
      {can(actor, "portal:invite-users") ? (
        <Card title="Invite a colleague">
          <ActionForm action={inviteColleagueAction} aria-label="Invite a colleague">
            <p className="text-sm text-muted-foreground">
              They can see everything you see here, reveal and reset the trunks&apos; passwords, and invite others. They
              get an email with a sign-in link that works once, for {INVITATION_LINK_HOURS} hours.
            </p>
            <TextField name="name" label="Their name" autoComplete="off" />
            <TextField name="email" label="Their email" type="email" autoComplete="off" />
            <SubmitButton>Send the invitation</SubmitButton>
          </ActionForm>
        </Card>
      ) : null}
    </>
  );
}
