import type { Metadata } from "next";
import { ActionForm, Checkbox, SelectField, SubmitButton, TextField } from "@/components/forms";
import { Badge, Card, DateTime, Disclosure, PageHeader } from "@/components/ui";
import { requirePermission } from "@/lib/auth/guards";
import { getDb } from "@/lib/db";
import { listStaff } from "@/lib/staff";
import {
  createStaffUserAction,
  forceStaffPasswordResetAction,
  resetStaffTwoFactorAction,
  updateStaffUserAction,
} from "../actions";

export const metadata: Metadata = { title: "Staff" };

const ROLE_OPTIONS = [
  { value: "SALES", label: "Sales — creates customers, trunks and demo accounts" },
  { value: "SUPPORT", label: "Support — views everything, resets passwords, disables trunks" },
  { value: "ADMIN", label: "Admin — everything, including staff, servers and settings" },
];

export default async function StaffUsersPage() {
  const actor = await requirePermission("staff:manage");
  const staff = await listStaff(getDb());
  return (
    <>
      <PageHeader title="Staff" />
      <Card title="Add a staff member">
        <ActionForm action={createStaffUserAction} aria-label="Add staff member">
          <TextField name="name" label="Name" autoComplete="off" />
          <TextField name="email" label="Email" type="email" autoComplete="off" />
          <SelectField name="role" label="Role" options={ROLE_OPTIONS} defaultValue="SALES" />
          <TextField
            name="password"
            label="Initial password"
            type="password"
            autoComplete="new-password"
            hint="At least 12 characters, not a common password. Share it with them privately."
          />
          <SubmitButton>Add staff member</SubmitButton>
        </ActionForm>
      </Card>
      <Card title="Staff members">
        <ul className="divide-y divide-border">
          {staff.map((user) => (
            <li key={user.id} className="py-4">
              <p className="font-medium break-words">
                {user.name} — {user.email} {user.active ? null : <Badge color="red">inactive</Badge>}{" "}
                {user.totpEnabledAt ? <Badge color="green">2FA on</Badge> : <Badge>2FA off</Badge>}
              </p>
              <p className="text-sm text-muted-foreground">
                Last sign-in: <DateTime value={user.lastSignInAt} />
              </p>
              <Disclosure summary="Change role, access or password" className="mt-2">
                <ActionForm action={updateStaffUserAction} className="mt-2 space-y-3" aria-label={`Edit ${user.email}`}>
                  <input type="hidden" name="userId" value={user.id} />
                  <SelectField name="role" label="Role" options={ROLE_OPTIONS} defaultValue={user.role} />
                  <Checkbox name="active" label="Can sign in" defaultChecked={user.active} />
                  <TextField
                    name="password"
                    label="New password (optional)"
                    type="password"
                    autoComplete="new-password"
                  />
                  <SubmitButton variant="secondary">Save</SubmitButton>
                </ActionForm>
                {user.id === actor.id ? null : (
                  <div className="mt-4 flex flex-wrap gap-4">
                    <ActionForm
                      action={forceStaffPasswordResetAction}
                      aria-label={`Force a password reset for ${user.email}`}
                      confirm={`${user.email}'s password will stop working and they will be signed out. Continue?`}
                    >
                      <input type="hidden" name="userId" value={user.id} />
                      <SubmitButton variant="secondary">Force a password reset</SubmitButton>
                    </ActionForm>
                    {user.totpEnabledAt ? (
                      <ActionForm
                        action={resetStaffTwoFactorAction}
                        aria-label={`Turn off two-factor authentication for ${user.email}`}
                        confirm={`Turn off ${user.email}'s two-factor authentication (lost phone)?`}
                      >
                        <input type="hidden" name="userId" value={user.id} />
                        <SubmitButton variant="secondary">Turn off their 2FA</SubmitButton>
                      </ActionForm>
                    ) : null}
                  </div>
                )}
              </Disclosure>
            </li>
          ))}
        </ul>
      </Card>
    </>
  );
}
