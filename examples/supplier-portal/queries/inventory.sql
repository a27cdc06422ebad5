-- Stock lines of the signed-in supplier's products, optionally filtered by a search text.
--
-- Tenancy is enforced here, not in the browser: a supplier's user sees the rows whose
-- supplier_id equals the supplierId the host product's backend put in the session's
-- metadata; members of the group "staff" see every supplier. Neither value can be set
-- from the browser.
-- instr() rather than LIKE, so a % or _ typed in the search box is plain text.
SELECT
    s.sku,
    p.name AS product,
    sup.name AS supplier,
    s.warehouse,
    s.quantity,
    s.reorder_level,
    p.price AS unit_price
FROM stock AS s
JOIN products AS p ON p.sku = s.sku
JOIN suppliers AS sup ON sup.id = s.supplier_id
WHERE (
    s.supplier_id = {{ current_user.metadata.supplierId }}
    OR 'staff' IN {{ current_user.groups }}
  )
  AND (
    coalesce({{ search }}, '') = ''
    OR instr(lower(s.sku), lower({{ search }})) > 0
    OR instr(lower(p.name), lower({{ search }})) > 0
  )
ORDER BY s.sku, s.warehouse
