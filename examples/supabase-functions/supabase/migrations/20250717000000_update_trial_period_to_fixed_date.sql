-- Trials end on a fixed date instead of N days after sign-up.  Existing
-- users without a subscription get that date ("set appropriate
-- trial_expires_at dates"); subscribers keep none.
ALTER TABLE public.profiles ADD COLUMN IF NOT EXISTS trial_expires_at TIMESTAMPTZ;

UPDATE public.profiles
   SET trial_expires_at = TIMESTAMPTZ '2025-08-31 23:59:59+00'
 WHERE trial_expires_at IS NULL AND subscription_id IS NULL;
