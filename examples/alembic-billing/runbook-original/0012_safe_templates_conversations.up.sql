-- The runbook's 0012 enum, as written.  Do not apply.
CREATE TYPE IF NOT EXISTS template_type AS ENUM ('image', 'video');
