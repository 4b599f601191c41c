-- Pacific NPAs: Northern Mariana Islands (670), Guam (671), American Samoa
-- (684) are US territories, not states: category 'pacific'.
UPDATE enhanced_lerg
   SET category = 'pacific', country = 'US', updated_at = now()
 WHERE npa IN ('670', '671', '684') AND category <> 'pacific';
