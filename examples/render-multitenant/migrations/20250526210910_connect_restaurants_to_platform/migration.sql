-- 02-connect-restaurants-to-platform: each restaurant's owner is its
-- earliest ADMIN/SUPERADMIN staff member.  The runbook joined users a second
-- time for fields the subquery already has; concat_ws skips missing parts
-- where CONCAT(r.address, ', ', ...) wrote ", , " for a restaurant without
-- an address.
UPDATE restaurants AS r
   SET onboarding_status = 'ACTIVE',
       owner_name = owner_data.name,
       owner_email = owner_data.email,
       business_phone = r.phone,
       business_address = concat_ws(', ', r.address, r.city, concat_ws(' ', r.state, r."zipCode")),
       verified_at = r.created_at,
       updated_at = NOW()
  FROM (
    SELECT DISTINCT ON (rs.restaurant_id) rs.restaurant_id, u.name, u.email
      FROM restaurant_staff AS rs
      JOIN users AS u ON u.id = rs.user_id
     WHERE u.role IN ('ADMIN', 'SUPERADMIN')
     ORDER BY rs.restaurant_id, rs.created_at ASC
  ) AS owner_data
 WHERE r.id = owner_data.restaurant_id;
