-- enhanced_lerg: the single source of truth for the NANP area codes (NPAs),
-- with geography and a category the rate-sheet code relies on.
CREATE TABLE enhanced_lerg (
  npa          CHAR(3) PRIMARY KEY CHECK (npa ~ '^[2-9][0-8][0-9]$'),
  country      TEXT NOT NULL,
  state_code   TEXT,
  state_name   TEXT,
  region       TEXT,
  category     TEXT NOT NULL CHECK (category IN ('us', 'canada', 'caribbean', 'pacific', 'non_geographic')),
  source       TEXT NOT NULL DEFAULT 'enhanced',
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX enhanced_lerg_category_idx ON enhanced_lerg (category);
CREATE INDEX enhanced_lerg_state_code_idx ON enhanced_lerg (state_code);
