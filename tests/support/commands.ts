import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { z } from "zod";
import { createApiKey } from "../../lib/api/keys";
import type { Actor } from "../../lib/auth/policy";
import { sealTotpSecret } from "../../lib/auth/two-factor";
import { type Command, executeCommand } from "../../lib/commands";
import * as customers from "../../lib/customers";
import type { Db } from "../../lib/db";
import * as imports from "../../lib/imports";
import { IMPORT_COLUMNS } from "../../lib/imports/rows";
import { ROOT } from "../../lib/paths";
import * as trunks from "../../lib/trunks";
import { createWebhookEndpoint } from "../../lib/webhooks/endpoints";
import { contextFor, createActor } from "./portal";
import { totpCode } from "./totp";

/**
 * Every command in the code base: each module under lib/ that defines one is imported and its exported commands
 * collected, so a new command is in every matrix test (permissions, hostile input) without anyone listing it.
 */
async function discoverCommands(): Promise<Command<z.ZodType, unknown>[]> {
  const files: string[] = [];
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "generated") visit(full);
      } else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) {
        if (readFileSync(full, "utf8").includes("defineCommand(")) files.push(full);
      }
    }
  };
  visit(path.join(ROOT, "lib"));
  const found = new Map<string, Command<z.ZodType, unknown>>();
  for (const file of files.sort()) {
    for (const value of Object.values(await import(file))) {
      if (typeof value === "object" && value !== null && "permission" in value && "run" in value && "name" in value) {
        const command = value as Command<z.ZodType, unknown>;
        found.set(command.name, command);
      }
    }
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export const ALL_COMMANDS = await discoverCommands();

/**
 * Valid input for every command, on fresh records made for it, so the caller reaches the command's own logic.
 * Records are set up by `admin` through the commands themselves; `actor` is who will run the command.
 */
export function commandFixtures(db: Db, admin: Actor, serverId: string) {
  let unique = 0;
  const next = () => `${++unique}-${Date.now().toString(36)}`;
  const trunkSettings = { callLimit: "5", dialPermission: "US_ONLY", callerIdPolicy: "FORCED" };
  /** Every field of the trunk form filled in, so each one is exercised (a DID of its own each time). */
  const fullTrunkForm = () => ({
    serverIds: serverId,
    callLimit: "5",
    dialPermission: "COUNTRIES",
    allowedCountries: "US, CA",
    callerIdPolicy: "FORCED",
    forcedCallerId: "+19195550100",
    forcedCallerIdName: "Front Desk",
    dids: `+1919333${String(1000 + (unique++ % 9000)).padStart(4, "0")}`,
  });

  async function setUp<Schema extends z.ZodType, Result>(command: Command<Schema, Result>, input: unknown) {
    const result = await executeCommand(command, contextFor(db, admin), input);
    if (!result.ok) throw new Error(`set-up ${command.name} failed: ${JSON.stringify(result)}`);
    return result.value;
  }
  const newCustomer = () =>
    setUp(customers.createCustomer, {
      company: `Fixture ${next()}`,
      contactName: "Pat",
      contactEmail: `pat-${next()}@fixture.example`,
    });
  /** A fresh demo account, ending in 14 days. */
  const newDemo = async () =>
    (
      await setUp(customers.createDemoAccount, {
        company: `Demo ${next()}`,
        contactName: "Pat",
        contactEmail: `dm-${next()}@fixture.example`,
      })
    ).customer;
  const newTrunk = async (customerId?: string) =>
    setUp(trunks.createTrunk, {
      customerId: customerId ?? (await newCustomer()).id,
      serverIds: serverId,
      ...trunkSettings,
    });

  /**
   * Gives a staff actor an authenticator app, set up (2FA on) or only started, and returns a code it shows.
   * Customers and signed-out callers get a code too, which the policy refuses before looking at it.
   */
  async function authenticatorOf(actor: Actor | null, state: "on" | "started" | "off") {
    const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    if (actor && actor.role !== "CUSTOMER") {
      const sealed = sealTotpSecret(actor.id, secret);
      await db.user.update({
        where: { id: actor.id },
        data: {
          totpSecretCiphertext: state === "off" ? null : sealed.ciphertext,
          totpSecretKeyId: state === "off" ? null : sealed.keyId,
          totpEnabledAt: state === "on" ? new Date() : null,
          totpLastStep: null,
        },
      });
    }
    return { code: totpCode(secret) };
  }

  /** An API key of the actor's own (of `admin` for those who cannot have one), for commands that act on keys. */
  const apiKeyOf = async (actor: Actor | null) => {
    const owner = actor && actor.role !== "CUSTOMER" ? actor : admin;
    const result = await setUp(createApiKey, { name: `Key ${next()}` });
    await db.apiKey.update({ where: { id: result.key.id }, data: { userId: owner.id } });
    return result.key;
  };

  const newWebhookEndpoint = () =>
    setUp(createWebhookEndpoint, { url: `https://hooks-${next()}.perm.example/in`, events: "trunk.created" });
  /** A delivery of a trunk.created event to a fresh endpoint. */
  const newWebhookDelivery = async () => {
    const { endpoint } = await newWebhookEndpoint();
    await newTrunk();
    return db.webhookDelivery.findFirstOrThrow({ where: { endpointId: endpoint.id } });
  };

  const IMPORT_HEADER = `${IMPORT_COLUMNS.join(",")}\n`;
  /** A checked CSV import of one new customer, READY to start. */
  const newImport = async () => {
    const id = next();
    const csv = `${IMPORT_HEADER}fx-${id},Imported ${id},Pat,im-${id}@fixture.example,,,,,,,,,\n`;
    return setUp(imports.uploadImport, { csv });
  };

  const inputs: Record<string, (actor: Actor | null) => Promise<Record<string, unknown>>> = {
    "webhook.create": async () => ({
      url: `https://hooks-${next()}.perm.example/in`,
      description: "Billing",
      events: ["trunk.created", "trunk.updated"],
      secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    }),
    "webhook.update": async () => ({
      endpointId: (await newWebhookEndpoint()).endpoint.id,
      url: `https://hooks-${next()}.perm.example/v2`,
      description: "CRM",
      events: "demo.expired",
      active: "false",
      secret: "",
    }),
    "webhook.redeliver": async () => ({ deliveryId: (await newWebhookDelivery()).id }),
    "import.upload": async () => ({
      csv: `${IMPORT_HEADER}up-${next()},Upload,Pat,up-${next()}@fixture.example,,,,,,,,,\n`,
      filename: "customers.csv",
    }),
    "import.start": async () => ({ importId: (await newImport()).id, sendCredentials: "on" }),
    "import.cancel": async () => ({ importId: (await newImport()).id }),
    "api-key.create": async () => ({ name: `Billing ${next()}`, readOnly: "on", expiresInDays: "30" }),
    "api-key.revoke": async (actor) => ({ apiKeyId: (await apiKeyOf(actor)).id }),
    "customer.set-status": async () => ({ customerId: (await newCustomer()).id, status: "SUSPENDED" }),
    "customer.create": async () => ({
      company: `New ${next()}`,
      contactName: "Pat",
      contactEmail: `n-${next()}@perm.example`,
    }),
    "customer.update": async () => {
      const customer = await newCustomer();
      return {
        customerId: customer.id,
        company: "Renamed",
        contactName: "Pat",
        contactEmail: `u-${next()}@perm.example`,
        status: "ACTIVE",
      };
    },
    "customer.add-user": async () => ({
      customerId: (await newCustomer()).id,
      name: "Second",
      email: `s-${next()}@perm.example`,
    }),
    "demo.create": async () => ({
      company: `Demo ${next()}`,
      contactName: "Pat",
      contactEmail: `d-${next()}@perm.example`,
    }),
    "demo.extend": async () => ({
      customerId: (await newDemo()).id,
      demoExpiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10),
    }),
    "demo.convert": async () => ({ customerId: (await newDemo()).id, ...trunkSettings, callLimit: "20" }),
    "server.create": async () => ({
      hostname: `Sip-${next()}.perm.example`,
      label: "New",
      credentialCheck: "on",
      probeAddress: "192.0.2.10:5060",
    }),
    "server.update": async () => ({ serverId, label: `Label ${next()}`, active: "on", credentialCheck: "on" }),
    "settings.update": async () => ({
      providerName: "Perm Voice",
      supportEmail: "support@perm.example",
      supportPhone: "+1 202 555 0100",
      forcedCallerId: "+12025550100",
      forcedCallerIdName: "Perm Voice",
      demoCallLimit: "5",
      demoDialPermission: "COUNTRIES",
      demoAllowedCountries: "US",
      demoDurationDays: "14",
      demoReminderDays: "3",
      passwordDelivery: "LINK",
      blockedPrefixes: "+882, +883",
      callRecordRetentionDays: "90",
    }),
    "staff.create": async () => ({
      name: "New Staff",
      email: `st-${next()}@perm.example`,
      role: "SALES",
      password: "a long enough password",
    }),
    "staff.update": async () => ({ userId: (await createActor(db, "SALES")).id, role: "SUPPORT", active: "on" }),
    "trunk.create": async () => ({ customerId: (await newCustomer()).id, ...fullTrunkForm() }),
    "trunk.create-batch": async () => ({
      customerId: (await newCustomer()).id,
      ...fullTrunkForm(),
      dids: "",
      count: "3",
    }),
    "trunk.update": async () => ({ trunkId: (await newTrunk()).id, ...fullTrunkForm(), callLimit: "7" }),
    "trunk.set-status": async () => ({ trunkId: (await newTrunk()).id, status: "DISABLED", reason: "Unpaid invoice" }),
    "trunk.reset-password": async () => ({ trunkId: (await newTrunk()).id }),
    "trunk.reveal-password": async () => ({ trunkId: (await newTrunk()).id }),
    "trunk.resync": async () => ({ trunkId: (await newTrunk()).id }),
    "trunk.check-credentials": async () => ({ trunkId: (await newTrunk()).id }),
    "trunk.set-fraud-limits": async () => ({
      trunkId: (await newTrunk()).id,
      maxCallsPerSecond: "5",
      maxCallsPerDay: "100",
      maxMinutesPerDay: "600",
    }),
    "trunk.lift-suspension": async () => {
      const trunk = await newTrunk();
      await db.trunk.update({
        where: { id: trunk.id },
        data: { outboundSuspendedAt: new Date(), outboundSuspendedReason: "daily call limit reached" },
      });
      return { trunkId: trunk.id };
    },
    "trunk.delete": async () => ({ trunkId: (await newTrunk()).id, reason: "Closed" }),
    "trunk.resend-credentials": async () => ({ trunkId: (await newTrunk()).id }),
    "registrar.reconcile": async () => ({}),
    "mail.read-secrets": async () => {
      const trunk = await newTrunk();
      const mail = await db.mail.findFirstOrThrow({ where: { trunkId: trunk.id, secretsSealed: { not: null } } });
      return { mailId: mail.id };
    },
    "settings.two-factor": async () => ({ twoFactorRequiredFor: "NOBODY" }),
    "staff.force-password-reset": async () => ({ userId: (await createActor(db, "SUPPORT")).id }),
    "staff.reset-two-factor": async () => ({ userId: (await createActor(db, "SUPPORT")).id }),
    "account.change-password": async () => {
      const newPassword = `a new passphrase ${next()}`;
      return { currentPassword: "correct horse battery staple", newPassword, confirmPassword: newPassword };
    },
    "account.sign-out-everywhere": async () => ({}),
    "account.two-factor-begin": async (actor) => {
      await authenticatorOf(actor, "off");
      return {};
    },
    "account.two-factor-enable": (actor) => authenticatorOf(actor, "started"),
    "account.two-factor-disable": (actor) => authenticatorOf(actor, "on"),
    "account.recovery-codes-regenerate": (actor) => authenticatorOf(actor, "on"),
    // The caller's own trunk, for a customer (another customer's is a 404, tested in customer-portal.test.ts).
    "portal.reveal-password": async (actor) => ({
      trunkId: (await newTrunk(actor?.customerId ?? undefined)).id,
    }),
    "portal.reset-password": async (actor) => ({
      trunkId: (await newTrunk(actor?.customerId ?? undefined)).id,
    }),
    "portal.invite-user": async () => ({ name: "Colleague", email: `colleague-${next()}@fixture.example` }),
  };

  return {
    newTrunk,
    /** Valid input for `command` when `actor` runs it; throws for a command without a fixture here. */
    async validInput(command: string, actor: Actor | null): Promise<Record<string, unknown>> {
      const make = inputs[command];
      if (!make) throw new Error(`no valid input for ${command} in tests/support/commands.ts`);
      return make(actor);
    },
    covers: (command: string) => command in inputs,
  };
}
