ALTER TABLE users DROP COLUMN email_verified;
ALTER TABLE users DROP COLUMN password;
