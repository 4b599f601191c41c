-- Phase 2.1: the fields the User model has and the database lacks.
ALTER TABLE users ADD COLUMN password TEXT;
ALTER TABLE users ADD COLUMN email_verified BOOLEAN DEFAULT false;
