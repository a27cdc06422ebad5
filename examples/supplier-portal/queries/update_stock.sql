-- Correct the quantity on hand of one stock line of the signed-in supplier. The supplier
-- comes from the session (the host product's backend set it); sku and warehouse from the
-- selected row. A line of another supplier matches nothing.
UPDATE stock
SET quantity = {{ quantity }}
WHERE sku = {{ sku }}
  AND warehouse = {{ warehouse }}
  AND supplier_id = {{ current_user.metadata.supplierId }}
