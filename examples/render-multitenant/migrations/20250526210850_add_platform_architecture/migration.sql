-- Platform architecture (multi-tenant SaaS): new tables, and new columns
-- with defaults on restaurants.  Nothing existing is changed or dropped, so
-- the running API keeps working on the new schema.
CREATE TYPE "PlatformRole" AS ENUM ('SUPER_ADMIN', 'ADMIN', 'SUPPORT');
CREATE TYPE "OnboardingStatus" AS ENUM ('PENDING', 'ACTIVE', 'SUSPENDED');
CREATE TYPE "SubscriptionPlan" AS ENUM ('STARTER', 'PROFESSIONAL', 'ENTERPRISE');
CREATE TYPE "SubscriptionStatus" AS ENUM ('TRIAL', 'ACTIVE', 'PAST_DUE', 'CANCELED');

CREATE TABLE "platform_admins" (
  "id" SERIAL PRIMARY KEY,
  "email" TEXT NOT NULL UNIQUE,
  "name" TEXT,
  "password" TEXT NOT NULL,
  "role" "PlatformRole" NOT NULL DEFAULT 'ADMIN',
  "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMP(3) NOT NULL
);

ALTER TABLE "restaurants"
  ADD COLUMN "onboarding_status" "OnboardingStatus" NOT NULL DEFAULT 'PENDING',
  ADD COLUMN "owner_name" TEXT,
  ADD COLUMN "owner_email" TEXT,
  ADD COLUMN "business_phone" TEXT,
  ADD COLUMN "business_address" TEXT,
  ADD COLUMN "verified_at" TIMESTAMP(3);

CREATE TABLE "subscriptions" (
  "id" SERIAL PRIMARY KEY,
  "restaurant_id" INTEGER NOT NULL UNIQUE REFERENCES "restaurants" ("id") ON DELETE CASCADE,
  "plan" "SubscriptionPlan" NOT NULL DEFAULT 'STARTER',
  "status" "SubscriptionStatus" NOT NULL DEFAULT 'TRIAL',
  "current_period_start" TIMESTAMP(3) NOT NULL,
  "current_period_end" TIMESTAMP(3) NOT NULL,
  "trial_ends_at" TIMESTAMP(3),
  "seats" INTEGER NOT NULL DEFAULT 5,
  "billing_email" TEXT,
  "billing_name" TEXT,
  "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMP(3) NOT NULL
);

CREATE TABLE "diners" (
  "id" SERIAL PRIMARY KEY,
  "email" TEXT NOT NULL UNIQUE,
  "name" TEXT,
  "phone" TEXT,
  "password" TEXT,
  "is_verified" BOOLEAN NOT NULL DEFAULT false,
  "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMP(3) NOT NULL
);

CREATE TABLE "diner_restaurant_profiles" (
  "id" SERIAL PRIMARY KEY,
  "diner_id" INTEGER NOT NULL REFERENCES "diners" ("id") ON DELETE CASCADE,
  "restaurant_id" INTEGER NOT NULL REFERENCES "restaurants" ("id") ON DELETE CASCADE,
  "visit_count" INTEGER NOT NULL DEFAULT 0,
  "last_visit_date" TIMESTAMP(3),
  "total_spent" DECIMAL(10, 2) NOT NULL DEFAULT 0,
  "preferences" JSONB,
  "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMP(3) NOT NULL,
  UNIQUE ("diner_id", "restaurant_id")
);
-- "Index new foreign keys" (the tables are new: no lock on live data)
CREATE INDEX "diner_restaurant_profiles_restaurant_id_idx" ON "diner_restaurant_profiles" ("restaurant_id");
