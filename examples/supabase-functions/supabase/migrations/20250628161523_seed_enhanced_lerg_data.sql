-- The NPAs that came into service after the legacy lerg_codes list was
-- made (the 10 that production is missing, 438 among them).  The other 440
-- come from lerg_codes in the consolidation migration.
INSERT INTO enhanced_lerg (npa, country, state_code, state_name, region, category) VALUES
  ('438', 'CA', 'QC', 'Quebec',        'Montreal',          'canada'),
  ('263', 'CA', 'QC', 'Quebec',        'Montreal',          'canada'),
  ('354', 'CA', 'QC', 'Quebec',        'Eastern Townships', 'canada'),
  ('382', 'CA', 'ON', 'Ontario',       'London',            'canada'),
  ('683', 'CA', 'ON', 'Ontario',       'Northern Ontario',  'canada'),
  ('742', 'CA', 'ON', 'Ontario',       'Hamilton',          'canada'),
  ('368', 'CA', 'AB', 'Alberta',       'Province-wide',     'canada'),
  ('826', 'US', 'VA', 'Virginia',      'Southwest',         'us'),
  ('945', 'US', 'TX', 'Texas',         'Dallas',            'us'),
  ('464', 'US', 'IL', 'Illinois',      'South Suburbs',     'us')
ON CONFLICT (npa) DO NOTHING;
