-- Move the legacy lerg_codes rows into enhanced_lerg.  lerg_codes itself
-- stays until enhanced_lerg has proven itself (Phase 5 drops it, in a
-- release of its own: on production the lint's drop-table rule stops that
-- migration unless it says `-- stagecoach:allow drop-table`).
INSERT INTO enhanced_lerg (npa, country, state_code, state_name, category, source)
SELECT l.npa, l.country, l.state_code, l.state_name, l.category, 'lerg_codes'
  FROM lerg_codes AS l
ON CONFLICT (npa) DO NOTHING;

COMMENT ON TABLE lerg_codes IS 'deprecated: read enhanced_lerg (kept until Phase 5)';
