-- Indexes on the guard fields, built CONCURRENTLY: writes to clients and
-- onboarding_states go on while they build.  Every statement here must run
-- outside a transaction, so stagecoach runs this migration statement by
-- statement (it has no other kind of statement: see SPEC section 3).
CREATE INDEX CONCURRENTLY IF NOT EXISTS "clients_onboardingComplete_idx" ON "clients" ("onboardingComplete");
CREATE INDEX CONCURRENTLY IF NOT EXISTS "clients_outboundPaused_idx" ON "clients" ("outboundPaused");
CREATE INDEX CONCURRENTLY IF NOT EXISTS "clients_aiDisabled_idx" ON "clients" ("aiDisabled");
CREATE INDEX CONCURRENTLY IF NOT EXISTS "clients_billingStatus_idx" ON "clients" ("billingStatus");
CREATE INDEX CONCURRENTLY IF NOT EXISTS "onboarding_states_clientId_idx" ON "onboarding_states" ("clientId");
