-- Validate the foreign key added NOT VALID two migrations ago: this scans
-- onboarding_states under SHARE UPDATE EXCLUSIVE, which does not block
-- reads or writes.
ALTER TABLE "onboarding_states" VALIDATE CONSTRAINT "onboarding_states_clientId_fkey";
