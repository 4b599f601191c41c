-- Phase 2.2: payment fields of the Booking model.
ALTER TABLE bookings ADD COLUMN payment_status TEXT DEFAULT 'PENDING';
ALTER TABLE bookings ADD COLUMN payment_intent_id TEXT;
ALTER TABLE bookings ADD COLUMN paid_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE bookings ADD COLUMN confirmed_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE bookings ADD COLUMN cancelled_at TIMESTAMP WITH TIME ZONE;
