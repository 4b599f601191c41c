-- The runbook's SQL preview of 0011, as written (kept to show what the lint
-- says about it: `stagecoach lint runbook-original`).  Do not apply.
CREATE TYPE IF NOT EXISTS plan_tier AS ENUM ('starter', 'growth', 'pro');
CREATE TYPE IF NOT EXISTS billing_status AS ENUM ('active', 'canceled', 'past_due', 'unpaid', 'incomplete', 'trialing');
