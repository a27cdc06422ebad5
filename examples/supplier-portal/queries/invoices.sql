-- The signed-in supplier's invoices, newest first (staff: every supplier's).
SELECT i.number, sup.name AS supplier, i.issued_on, i.due_on, i.amount, i.status
FROM invoices AS i
JOIN suppliers AS sup ON sup.id = i.supplier_id
WHERE (
    i.supplier_id = {{ current_user.metadata.supplierId }}
    OR 'staff' IN {{ current_user.groups }}
  )
ORDER BY i.issued_on DESC, i.number DESC
