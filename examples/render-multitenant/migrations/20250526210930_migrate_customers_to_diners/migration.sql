-- 04-migrate-customers-to-diners: one platform-wide diner per customer
-- email, and a per-restaurant profile with the visit statistics.
-- Changed from the runbook: DISTINCT ON got an ORDER BY (the oldest
-- customer record of an email wins, not an arbitrary one), and the profiles
-- insert got ON CONFLICT against UNIQUE (diner_id, restaurant_id), so a
-- customer listed twice at one restaurant does not abort the migration.
INSERT INTO diners (email, name, phone, password, is_verified, created_at, updated_at)
SELECT DISTINCT ON (c.email)
       c.email, c.name, c.phone, c.password, true, c.created_at, NOW()
  FROM customers AS c
 WHERE c.email IS NOT NULL
 ORDER BY c.email, c.created_at ASC
ON CONFLICT (email) DO NOTHING;

INSERT INTO diner_restaurant_profiles (
  diner_id, restaurant_id, visit_count, last_visit_date, total_spent,
  preferences, created_at, updated_at
)
SELECT DISTINCT ON (d.id, c.restaurant_id)
       d.id, c.restaurant_id, COALESCE(stats.visit_count, 0), stats.last_visit,
       COALESCE(stats.total_spent, 0), c.preferences, c.created_at, NOW()
  FROM customers AS c
  JOIN diners AS d ON d.email = c.email
  LEFT JOIN LATERAL (
    SELECT COUNT(*) AS visit_count, MAX(date) AS last_visit, SUM(total_amount) AS total_spent
      FROM reservations
     WHERE customer_id = c.id
  ) AS stats ON true
 ORDER BY d.id, c.restaurant_id, c.created_at ASC
ON CONFLICT (diner_id, restaurant_id) DO NOTHING;
