-- Phase 1: bring the database in line with schema.prisma.
-- Additive only: new columns carry safe defaults, nothing is dropped or
-- renamed, so the running backend keeps working until it is restarted.

-- BillingStatus enum.  PostgreSQL has no CREATE TYPE IF NOT EXISTS: the DO
-- block makes a re-run (after a partial manual run) skip an existing type.
DO $$
BEGIN
  CREATE TYPE "BillingStatus" AS ENUM ('none', 'trial', 'active', 'canceled', 'past_due');
EXCEPTION WHEN duplicate_object THEN NULL;
END
$$;

-- Guard and billing fields of Client.  Prisma names columns after the
-- fields, so they are quoted camelCase.
ALTER TABLE "clients"
  ADD COLUMN IF NOT EXISTS "onboardingComplete" BOOLEAN NOT NULL DEFAULT false,
  ADD COLUMN IF NOT EXISTS "outboundPaused" BOOLEAN NOT NULL DEFAULT false,
  ADD COLUMN IF NOT EXISTS "aiDisabled" BOOLEAN NOT NULL DEFAULT false,
  ADD COLUMN IF NOT EXISTS "billingStatus" "BillingStatus" NOT NULL DEFAULT 'none',
  ADD COLUMN IF NOT EXISTS "paymentActive" BOOLEAN NOT NULL DEFAULT false,
  ADD COLUMN IF NOT EXISTS "trialUsedAt" TIMESTAMP(3),
  ADD COLUMN IF NOT EXISTS "pendingCancellation" BOOLEAN NOT NULL DEFAULT false,
  ADD COLUMN IF NOT EXISTS "cancellationRequestedAt" TIMESTAMP(3);

-- OnboardingState belongs to a Client.  The old column "customerId" held
-- client ids under the wrong name: copy them to "clientId" and keep
-- "customerId" until no deployed code reads it (dropping it is a later
-- release, and the lint's drop-column rule will ask for it to be accepted).
ALTER TABLE "onboarding_states"
  ADD COLUMN IF NOT EXISTS "clientId" TEXT,
  ADD COLUMN IF NOT EXISTS "forwardingEnabled" BOOLEAN NOT NULL DEFAULT false,
  ADD COLUMN IF NOT EXISTS "testCallDetected" BOOLEAN NOT NULL DEFAULT false;

UPDATE "onboarding_states" AS o
   SET "clientId" = o."customerId"
 WHERE o."clientId" IS NULL
   AND EXISTS (SELECT 1 FROM "clients" AS c WHERE c."id" = o."customerId");

-- The foreign key is added NOT VALID (no full-table scan under a strong
-- lock) and validated by the next migration but one.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'onboarding_states_clientId_fkey') THEN
    ALTER TABLE "onboarding_states"
      ADD CONSTRAINT "onboarding_states_clientId_fkey" FOREIGN KEY ("clientId")
      REFERENCES "clients" ("id") ON DELETE CASCADE ON UPDATE CASCADE NOT VALID;
  END IF;
END
$$;
