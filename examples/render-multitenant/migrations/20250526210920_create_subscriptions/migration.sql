-- 03-create-subscriptions: existing active restaurants get the
-- professional plan, already active (no trial), 20 seats.
INSERT INTO subscriptions (
  restaurant_id, plan, status, current_period_start, current_period_end,
  trial_ends_at, seats, billing_email, billing_name, created_at, updated_at
)
SELECT r.id, 'PROFESSIONAL', 'ACTIVE', NOW(), NOW() + INTERVAL '30 days',
       NULL, 20, r.owner_email, r.owner_name, NOW(), NOW()
  FROM restaurants AS r
 WHERE r.is_active = true
   AND NOT EXISTS (SELECT 1 FROM subscriptions AS s WHERE s.restaurant_id = r.id);
