-- Stripe billing: subscription columns on profiles, usage metering, and the
-- aggregated usage view.  Additive: existing profiles keep their rows.
ALTER TABLE public.profiles
  ADD COLUMN IF NOT EXISTS email TEXT,
  ADD COLUMN IF NOT EXISTS subscription_id TEXT,
  ADD COLUMN IF NOT EXISTS current_period_start TIMESTAMPTZ,
  ADD COLUMN IF NOT EXISTS current_period_end TIMESTAMPTZ,
  ADD COLUMN IF NOT EXISTS cancel_at TIMESTAMPTZ,
  ADD COLUMN IF NOT EXISTS canceled_at TIMESTAMPTZ,
  ADD COLUMN IF NOT EXISTS last_payment_date TIMESTAMPTZ;

-- "email - user email tracking": copied from auth.users for existing users
UPDATE public.profiles AS p
   SET email = u.email
  FROM auth.users AS u
 WHERE u.id = p.id AND p.email IS NULL;

CREATE TABLE public.usage_metrics (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id     UUID NOT NULL REFERENCES public.profiles (id) ON DELETE CASCADE,
  metric      TEXT NOT NULL,
  quantity    INTEGER NOT NULL DEFAULT 1 CHECK (quantity >= 0),
  recorded_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX usage_metrics_user_recorded_idx ON public.usage_metrics (user_id, recorded_at);

CREATE VIEW public.user_usage_stats AS
SELECT p.id AS user_id,
       p.email,
       count(m.id) AS events,
       coalesce(sum(m.quantity), 0) AS total_quantity,
       max(m.recorded_at) AS last_used_at
  FROM public.profiles AS p
  LEFT JOIN public.usage_metrics AS m ON m.user_id = p.id
 GROUP BY p.id, p.email;
