"use server";

import { serverAction } from "@/lib/actions";
import { addCustomerUser, createCustomer, createDemoAccount, updateCustomer } from "@/lib/customers";
import { readMailboxMessage } from "@/lib/mail/queries";
import { requestReconciliation } from "@/lib/registrar/commands";
import { createServer, updateServer } from "@/lib/servers";
import { updateProviderSettings } from "@/lib/settings";
import { createStaffUser, updateStaffUser } from "@/lib/staff";
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
export const createTrunkAction = serverAction(createTrunk, { redirectTo: (trunk) => `/staff/trunks/${trunk.id}` });
export const updateTrunkAction = serverAction(updateTrunk, { redirectTo: (trunk) => `/staff/trunks/${trunk.id}` });
export const setTrunkStatusAction = serverAction(setTrunkStatus, { message: "Trunk status updated." });
export const resetTrunkPasswordAction = serverAction(resetTrunkPassword, {
  message: "A new SIP password was generated. The old one no longer works.",
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
export const createServerAction = serverAction(createServer, { message: "SIP server added." });
export const updateServerAction = serverAction(updateServer, { message: "SIP server updated." });
export const updateSettingsAction = serverAction(updateProviderSettings, { message: "Settings saved." });
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
