import { createHash, randomBytes } from "node:crypto";
import { getTOTPAuthUri, verifyTOTP } from "@epic-web/totp";
import { open, seal } from "../credentials/encryption";
import { credentialKeyring } from "../credentials/keyring";
import type { Db, Tx } from "../db";
import type { Role, TwoFactorRequirement } from "../generated/prisma/enums";

/** What every authenticator app understands (RFC 6238 with its defaults): SHA-1, 6 digits, 30-second steps. */
const TOTP = { algorithm: "SHA-1", digits: 6, period: 30 } as const;
export const RECOVERY_CODE_COUNT = 10;

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** A new 160-bit secret (RFC 4226's recommended length), base32 as authenticator apps expect it. */
export function newTotpSecret(): string {
  let bits = "";
  for (const byte of randomBytes(20)) bits += byte.toString(2).padStart(8, "0");
  return (bits.match(/.{5}/g) ?? []).map((chunk) => BASE32[Number.parseInt(chunk, 2)]).join("");
}

export function totpUri(secret: string, accountName: string, issuer: string): string {
  return getTOTPAuthUri({ ...TOTP, secret, accountName, issuer });
}

/** Secrets are sealed like SIP passwords, bound to the user so a ciphertext copied to another user fails to open. */
export const sealTotpSecret = (userId: string, secret: string) => seal(credentialKeyring(), secret, `totp:${userId}`);

export function openTotpSecret(user: {
  id: string;
  totpSecretCiphertext: string | null;
  totpSecretKeyId: string | null;
}) {
  if (!user.totpSecretCiphertext || !user.totpSecretKeyId) return null;
  return open(
    credentialKeyring(),
    { ciphertext: user.totpSecretCiphertext, keyId: user.totpSecretKeyId },
    `totp:${user.id}`,
  );
}

const currentStep = () => Math.floor(Date.now() / 1000 / TOTP.period);

/**
 * The time step a code belongs to when it is valid now (one step of clock drift either way), newer than
 * `lastStep`; null otherwise. A code that was already used is refused: a code works once.
 */
export async function checkTotpCode(secret: string, code: string, lastStep: number | null): Promise<number | null> {
  const otp = code.replace(/\s/g, "");
  if (!/^\d{6}$/.test(otp)) return null;
  for (;;) {
    const before = currentStep();
    const result = await verifyTOTP({ ...TOTP, otp, secret, window: 1 });
    if (currentStep() !== before) continue; // crossed a step boundary while checking: the delta is ambiguous
    if (!result) return null;
    const step = before + result.delta;
    return lastStep !== null && step <= lastStep ? null : step;
  }
}

/**
 * Accepts a TOTP code for a user with 2FA on, atomically: of two requests with the same code, one wins.
 * Returns false for a wrong, stale or reused code.
 */
export async function redeemTotpCode(db: Db | Tx, userId: string, code: string): Promise<boolean> {
  const user = await db.user.findUnique({ where: { id: userId } });
  const secret = user?.totpEnabledAt ? openTotpSecret(user) : null;
  if (!user || !secret) return false;
  const step = await checkTotpCode(secret, code, user.totpLastStep);
  if (step === null) return false;
  const { count } = await db.user.updateMany({
    where: { id: userId, OR: [{ totpLastStep: null }, { totpLastStep: { lt: step } }] },
    data: { totpLastStep: step },
  });
  return count === 1;
}

// Crockford's base32: no I, L, O or U, so a code read aloud or copied by hand survives.
const RECOVERY_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/** Ten codes like "7fq2-k9mx-b3ta" (60 bits each), shown once; only their SHA-256 is stored. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = [...randomBytes(12)].map((byte) => RECOVERY_ALPHABET[byte & 31]).join("");
    return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8)}`;
  });
}

export function hashRecoveryCode(code: string): string {
  const normalized = code.toLowerCase().replace(/[\s-]/g, "").replace(/[il]/g, "1").replace(/o/g, "0");
  return createHash("sha256").update(normalized).digest("hex");
}

export async function storeRecoveryCodes(tx: Tx, userId: string, codes: string[]) {
  await tx.recoveryCode.deleteMany({ where: { userId } });
  await tx.recoveryCode.createMany({ data: codes.map((code) => ({ userId, codeHash: hashRecoveryCode(code) })) });
}

/** Uses up a recovery code; false when it is wrong or was used before. Returns how many codes are left. */
export async function redeemRecoveryCode(db: Db | Tx, userId: string, code: string) {
  const { count } = await db.recoveryCode.updateMany({
    where: { userId, codeHash: hashRecoveryCode(code), usedAt: null },
    data: { usedAt: new Date() },
  });
  if (count !== 1) return { used: false as const };
  return { used: true as const, remaining: await db.recoveryCode.count({ where: { userId, usedAt: null } }) };
}

/** Whether the provider's setting makes 2FA compulsory for a staff member of this role. */
function twoFactorRequired(role: Role, requirement: TwoFactorRequirement): boolean {
  if (role === "CUSTOMER") return false;
  return requirement === "ALL_STAFF" || (requirement === "ADMINS" && role === "ADMIN");
}

/** Whether the provider's setting, as stored now, makes 2FA compulsory for this role. */
export async function twoFactorRequiredFor(db: Db, role: Role): Promise<boolean> {
  const settings = await db.providerSettings.findUnique({ where: { id: 1 }, select: { twoFactorRequiredFor: true } });
  return twoFactorRequired(role, settings?.twoFactorRequiredFor ?? "NOBODY");
}
