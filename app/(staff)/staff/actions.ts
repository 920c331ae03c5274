"use server";

import { serverAction } from "@/lib/actions";
import { addCustomerUser, createCustomer, createDemoAccount, updateCustomer } from "@/lib/customers";
import { convertDemo, extendDemo } from "@/lib/customers/demo";
import { readMailboxMessage } from "@/lib/mail/mailbox";
import { requestReconciliation } from "@/lib/registrar/reconciliation-runs";
import { createServer, updateServer } from "@/lib/servers";
import { updateProviderSettings, updateTwoFactorRequirement } from "@/lib/settings";
import { createStaffUser, forceStaffPasswordReset, resetStaffTwoFactor, updateStaffUser } from "@/lib/staff";
import {
  createTrunk,
  deleteTrunk,
  requestResync,
  resendCredentials,
  resetTrunkPassword,
  revealTrunkPassword,
  setTrunkStatus,
  updateTrunk,
} from "@/lib/trunks";
import { checkTrunkCredentials } from "@/lib/trunks/credential-check";
import { liftOutboundSuspension, setFraudLimits } from "@/lib/trunks/fraud-guard";

export const createCustomerAction = serverAction(createCustomer, {
  redirectTo: (customer) => `/staff/customers/${customer.id}`,
});
export const updateCustomerAction = serverAction(updateCustomer, {
  redirectTo: (customer) => `/staff/customers/${customer.id}`,
});
export const createDemoAccountAction = serverAction(createDemoAccount, {
  redirectTo: ({ trunk }) => `/staff/trunks/${trunk.id}`,
});
export const extendDemoAction = serverAction(extendDemo, {
  message: "Demo extended. Its trunks work until the new date; the customer was emailed.",
});
// The demo's forms leave the page with the demo, so the page itself says what happened.
export const convertDemoAction = serverAction(convertDemo, {
  redirectTo: (customer) => `/staff/customers/${customer.id}?converted=1`,
});
export const createTrunkAction = serverAction(createTrunk, { redirectTo: (trunk) => `/staff/trunks/${trunk.id}` });
export const updateTrunkAction = serverAction(updateTrunk, { redirectTo: (trunk) => `/staff/trunks/${trunk.id}` });
export const setTrunkStatusAction = serverAction(setTrunkStatus, { message: "Trunk status updated." });
// The page says the old password stops working only once the registrar confirms it (components/reset-password-form).
export const resetTrunkPasswordAction = serverAction(resetTrunkPassword, {
  data: ({ syncVersion }) => ({ syncVersion: String(syncVersion) }),
});
export const revealTrunkPasswordAction = serverAction(revealTrunkPassword, { data: ({ password }) => ({ password }) });
export const resendCredentialsAction = serverAction(resendCredentials, {
  message: "Credentials email queued with a new one-time password link.",
});
export const resyncTrunkAction = serverAction(requestResync, { message: "Registrar sync requested." });
export const setFraudLimitsAction = serverAction(setFraudLimits, { message: "Fraud limits saved." });
export const liftSuspensionAction = serverAction(liftOutboundSuspension, {
  message: "Suspension lifted: outbound calls resume once the registrar is updated.",
});
export const checkTrunkCredentialsAction = serverAction(checkTrunkCredentials, {
  message: "Credentials check queued; refresh in a moment for its result.",
});
export const createStaffUserAction = serverAction(createStaffUser, { message: "Staff user created." });
export const updateStaffUserAction = serverAction(updateStaffUser, { message: "Staff user updated." });
export const forceStaffPasswordResetAction = serverAction(forceStaffPasswordReset, {
  message: "Their password no longer works and they were signed out; a reset link is on its way to them.",
});
export const resetStaffTwoFactorAction = serverAction(resetStaffTwoFactor, {
  message: "Two-factor authentication is off for them, and they were signed out.",
});
export const createServerAction = serverAction(createServer, { message: "SIP server added." });
export const updateServerAction = serverAction(updateServer, { message: "SIP server updated." });
export const updateSettingsAction = serverAction(updateProviderSettings, { message: "Settings saved." });
export const updateTwoFactorRequirementAction = serverAction(updateTwoFactorRequirement, {
  message: "Two-factor requirement saved.",
});
export const readMailboxMessageAction = serverAction(readMailboxMessage, { data: ({ text }) => ({ text }) });
export const requestReconciliationAction = serverAction(requestReconciliation, {
  message: "Reconciliation queued; refresh in a moment for its report.",
});
export const deleteTrunkAction = serverAction(deleteTrunk, {
  redirectTo: (trunk) => `/staff/customers/${trunk.customerId}`,
});
export const addCustomerUserAction = serverAction(addCustomerUser, {
  message: "User added. They can sign in to the customer portal with their email.",
});
