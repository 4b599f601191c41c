ALTER TABLE bookings
  DROP COLUMN cancelled_at,
  DROP COLUMN confirmed_at,
  DROP COLUMN paid_at,
  DROP COLUMN payment_intent_id,
  DROP COLUMN payment_status;
