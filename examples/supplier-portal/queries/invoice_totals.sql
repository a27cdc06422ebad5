-- One row of totals over the signed-in supplier's invoices (staff: over every supplier's).
-- "Open" includes the overdue ones.
SELECT
    coalesce(sum(CASE WHEN status IN ('open', 'overdue') THEN amount END), 0) AS open_amount,
    count(CASE WHEN status IN ('open', 'overdue') THEN 1 END) AS open_count,
    coalesce(sum(CASE WHEN status = 'overdue' THEN amount END), 0) AS overdue_amount,
    count(CASE WHEN status = 'overdue' THEN 1 END) AS overdue_count,
    coalesce(sum(CASE WHEN status = 'paid' THEN amount END), 0) AS paid_amount,
    count(CASE WHEN status = 'paid' THEN 1 END) AS paid_count
FROM invoices
WHERE (
    supplier_id = {{ current_user.metadata.supplierId }}
    OR 'staff' IN {{ current_user.groups }}
  )
