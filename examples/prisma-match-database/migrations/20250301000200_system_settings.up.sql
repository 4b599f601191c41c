-- Phase 2.3: system_settings.  uuid_generate_v4() comes from uuid-ossp,
-- which the production database has (its ids use it); IF NOT EXISTS makes
-- the migration work on a fresh local database too.
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
CREATE TABLE system_settings (
  id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
  key TEXT UNIQUE NOT NULL,
  value TEXT NOT NULL
);
