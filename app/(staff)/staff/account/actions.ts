"use server";

import { serverAction } from "@/lib/actions";
import {
  beginTwoFactorSetup,
  changeOwnPassword,
  confirmTwoFactorSetup,
  disableTwoFactor,
  regenerateRecoveryCodes,
  signOutEverywhere,
} from "@/lib/auth/account";

const recoveryCodes = ({ recoveryCodes }: { recoveryCodes: string[] }) => ({
  recoveryCodes: recoveryCodes.join("\n"),
});

export const changeOwnPasswordAction = serverAction(changeOwnPassword, {
  message: "Password changed. Your other sessions were signed out.",
});
export const signOutEverywhereAction = serverAction(signOutEverywhere, { redirectTo: () => "/sign-in" });
export const beginTwoFactorSetupAction = serverAction(beginTwoFactorSetup);
export const confirmTwoFactorSetupAction = serverAction(confirmTwoFactorSetup, { data: recoveryCodes });
export const disableTwoFactorAction = serverAction(disableTwoFactor, {
  message: "Two-factor authentication is off.",
});
export const regenerateRecoveryCodesAction = serverAction(regenerateRecoveryCodes, { data: recoveryCodes });
