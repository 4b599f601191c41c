-- 01-create-platform-admin: the platform super admin, from the owner's
-- existing user account.  ON CONFLICT: a second run adds no second admin.
INSERT INTO platform_admins (email, name, password, role, created_at, updated_at)
SELECT email, name, password, 'SUPER_ADMIN', NOW(), NOW()
  FROM users
 WHERE email = 'george@seabreeze.farm'
 LIMIT 1
ON CONFLICT (email) DO NOTHING;
