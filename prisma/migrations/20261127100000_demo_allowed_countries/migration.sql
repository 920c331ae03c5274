-- AlterTable
ALTER TABLE "ProviderSettings" ADD COLUMN     "demoAllowedCountries" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- A demo dial permission of "selected countries" needs countries. Settings saved before this was checked fall back
-- to the brief's US-only demos.
UPDATE "ProviderSettings" SET "demoDialPermission" = 'US_ONLY' WHERE "demoDialPermission" = 'COUNTRIES';
ALTER TABLE "ProviderSettings" ADD CONSTRAINT "ProviderSettings_demo_countries_format"
  CHECK ("demoAllowedCountries" <@ ARRAY[]::text[] OR array_to_string("demoAllowedCountries", ',') ~ '^[A-Z]{2}(,[A-Z]{2})*$');
ALTER TABLE "ProviderSettings" ADD CONSTRAINT "ProviderSettings_demo_countries_needed"
  CHECK ("demoDialPermission" <> 'COUNTRIES' OR cardinality("demoAllowedCountries") > 0);
