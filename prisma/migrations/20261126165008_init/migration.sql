-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('ADMIN', 'SALES', 'SUPPORT', 'CUSTOMER');

-- CreateEnum
CREATE TYPE "CustomerStatus" AS ENUM ('ACTIVE', 'SUSPENDED', 'CLOSED');

-- CreateEnum
CREATE TYPE "TrunkStatus" AS ENUM ('ACTIVE', 'DISABLED');

-- CreateEnum
CREATE TYPE "DialPermission" AS ENUM ('US_ONLY', 'US_CANADA', 'COUNTRIES', 'INTERNATIONAL');

-- CreateEnum
CREATE TYPE "SyncState" AS ENUM ('PENDING', 'SYNCED', 'FAILED');

-- CreateEnum
CREATE TYPE "CallerIdPolicy" AS ENUM ('FORCED', 'OWN_DIDS');

-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "passwordHash" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "customerId" TEXT,
    "lastSignInAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Customer" (
    "id" TEXT NOT NULL,
    "company" TEXT NOT NULL,
    "contactName" TEXT NOT NULL,
    "contactEmail" TEXT NOT NULL,
    "status" "CustomerStatus" NOT NULL DEFAULT 'ACTIVE',
    "isDemo" BOOLEAN NOT NULL DEFAULT false,
    "demoExpiresAt" TIMESTAMP(3),
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Customer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SipServer" (
    "id" TEXT NOT NULL,
    "hostname" TEXT NOT NULL,
    "realm" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SipServer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Trunk" (
    "id" TEXT NOT NULL,
    "customerId" TEXT NOT NULL,
    "username" TEXT NOT NULL,
    "passwordCiphertext" TEXT NOT NULL,
    "passwordKeyId" TEXT NOT NULL,
    "passwordChangedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "callLimit" INTEGER NOT NULL,
    "dialPermission" "DialPermission" NOT NULL,
    "allowedCountries" TEXT[],
    "callerIdPolicy" "CallerIdPolicy" NOT NULL,
    "forcedCallerId" TEXT,
    "forcedCallerIdName" TEXT,
    "status" "TrunkStatus" NOT NULL DEFAULT 'ACTIVE',
    "statusReason" TEXT,
    "syncState" "SyncState" NOT NULL DEFAULT 'PENDING',
    "syncRequestedAt" TIMESTAMP(3),
    "syncedAt" TIMESTAMP(3),
    "syncError" TEXT,
    "syncAttempts" INTEGER NOT NULL DEFAULT 0,
    "syncNextAttemptAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Trunk_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TrunkServer" (
    "trunkId" TEXT NOT NULL,
    "serverId" TEXT NOT NULL,
    "ha1" TEXT NOT NULL,
    "ha1b" TEXT NOT NULL,

    CONSTRAINT "TrunkServer_pkey" PRIMARY KEY ("trunkId","serverId")
);

-- CreateTable
CREATE TABLE "Did" (
    "id" TEXT NOT NULL,
    "number" TEXT NOT NULL,
    "trunkId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Did_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ProviderSettings" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "providerName" TEXT NOT NULL,
    "supportEmail" TEXT NOT NULL,
    "supportPhone" TEXT NOT NULL,
    "forcedCallerId" TEXT NOT NULL,
    "forcedCallerIdName" TEXT,
    "demoCallLimit" INTEGER NOT NULL DEFAULT 5,
    "demoDialPermission" "DialPermission" NOT NULL DEFAULT 'US_ONLY',
    "demoDurationDays" INTEGER NOT NULL DEFAULT 14,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ProviderSettings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditLog" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorId" TEXT,
    "actorEmail" TEXT,
    "actorRole" "Role",
    "action" TEXT NOT NULL,
    "customerId" TEXT,
    "targetType" TEXT NOT NULL,
    "targetId" TEXT,
    "ip" TEXT,
    "userAgent" TEXT,
    "details" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "AuditLog_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SignInFailure" (
    "id" BIGSERIAL NOT NULL,
    "email" TEXT NOT NULL,
    "ip" TEXT,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SignInFailure_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE INDEX "User_customerId_idx" ON "User"("customerId");

-- CreateIndex
CREATE INDEX "Customer_company_idx" ON "Customer"("company");

-- CreateIndex
CREATE UNIQUE INDEX "SipServer_hostname_key" ON "SipServer"("hostname");

-- CreateIndex
CREATE UNIQUE INDEX "Trunk_username_key" ON "Trunk"("username");

-- CreateIndex
CREATE INDEX "Trunk_customerId_idx" ON "Trunk"("customerId");

-- CreateIndex
CREATE INDEX "TrunkServer_serverId_idx" ON "TrunkServer"("serverId");

-- CreateIndex
CREATE UNIQUE INDEX "Did_number_key" ON "Did"("number");

-- CreateIndex
CREATE INDEX "Did_trunkId_idx" ON "Did"("trunkId");

-- CreateIndex
CREATE INDEX "AuditLog_at_idx" ON "AuditLog"("at");

-- CreateIndex
CREATE INDEX "AuditLog_customerId_at_idx" ON "AuditLog"("customerId", "at");

-- CreateIndex
CREATE INDEX "AuditLog_action_at_idx" ON "AuditLog"("action", "at");

-- CreateIndex
CREATE INDEX "SignInFailure_email_at_idx" ON "SignInFailure"("email", "at");

-- CreateIndex
CREATE INDEX "SignInFailure_ip_at_idx" ON "SignInFailure"("ip", "at");

-- AddForeignKey
ALTER TABLE "User" ADD CONSTRAINT "User_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Trunk" ADD CONSTRAINT "Trunk_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TrunkServer" ADD CONSTRAINT "TrunkServer_trunkId_fkey" FOREIGN KEY ("trunkId") REFERENCES "Trunk"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TrunkServer" ADD CONSTRAINT "TrunkServer_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "SipServer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Did" ADD CONSTRAINT "Did_trunkId_fkey" FOREIGN KEY ("trunkId") REFERENCES "Trunk"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Constraints Prisma's schema language cannot express: invalid states cannot be stored by any client.
ALTER TABLE "User" ADD CONSTRAINT "User_email_lowercase" CHECK ("email" = lower("email") AND "email" LIKE '%_@_%');
ALTER TABLE "User" ADD CONSTRAINT "User_customer_role" CHECK (("role" = 'CUSTOMER') = ("customerId" IS NOT NULL));
ALTER TABLE "User" ADD CONSTRAINT "User_staff_password" CHECK ("role" = 'CUSTOMER' OR "passwordHash" IS NOT NULL);
ALTER TABLE "Customer" ADD CONSTRAINT "Customer_demo_expiry" CHECK ("isDemo" OR "demoExpiresAt" IS NULL);
ALTER TABLE "SipServer" ADD CONSTRAINT "SipServer_hostname_format"
  CHECK ("hostname" ~ '^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$');
ALTER TABLE "SipServer" ADD CONSTRAINT "SipServer_realm_format" CHECK ("realm" ~ '^[A-Za-z0-9.-]+$');
ALTER TABLE "Trunk" ADD CONSTRAINT "Trunk_username_format" CHECK ("username" ~ '^[a-z][a-z0-9]{5,31}$');
ALTER TABLE "Trunk" ADD CONSTRAINT "Trunk_call_limit_range" CHECK ("callLimit" BETWEEN 1 AND 1000);
ALTER TABLE "Trunk" ADD CONSTRAINT "Trunk_forced_caller_id"
  CHECK ("forcedCallerId" IS NULL OR "forcedCallerId" ~ '^\+[1-9][0-9]{6,14}$');
ALTER TABLE "Trunk" ADD CONSTRAINT "Trunk_forced_policy_has_number"
  CHECK ("callerIdPolicy" <> 'FORCED' OR "forcedCallerId" IS NOT NULL);
ALTER TABLE "Trunk" ADD CONSTRAINT "Trunk_countries_format"
  CHECK ("allowedCountries" <@ ARRAY[]::text[] OR array_to_string("allowedCountries", ',') ~ '^[A-Z]{2}(,[A-Z]{2})*$');
ALTER TABLE "TrunkServer" ADD CONSTRAINT "TrunkServer_hashes" CHECK ("ha1" ~ '^[0-9a-f]{32}$' AND "ha1b" ~ '^[0-9a-f]{32}$');
ALTER TABLE "Did" ADD CONSTRAINT "Did_number_e164" CHECK ("number" ~ '^\+[1-9][0-9]{6,14}$');
ALTER TABLE "ProviderSettings" ADD CONSTRAINT "ProviderSettings_single_row" CHECK ("id" = 1);
ALTER TABLE "ProviderSettings" ADD CONSTRAINT "ProviderSettings_forced_caller_id" CHECK ("forcedCallerId" ~ '^\+[1-9][0-9]{6,14}$');
ALTER TABLE "ProviderSettings" ADD CONSTRAINT "ProviderSettings_demo_call_limit" CHECK ("demoCallLimit" BETWEEN 1 AND 1000);
ALTER TABLE "ProviderSettings" ADD CONSTRAINT "ProviderSettings_demo_days" CHECK ("demoDurationDays" BETWEEN 1 AND 365);
