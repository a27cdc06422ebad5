-- The signed-in supplier's products (staff: every supplier's) by revenue over the whole
-- sales history.
SELECT p.sku, p.name AS product, sum(s.units) AS units, round(sum(s.revenue), 2) AS revenue
FROM sales AS s
JOIN products AS p ON p.sku = s.sku
WHERE (
    s.supplier_id = {{ current_user.metadata.supplierId }}
    OR 'staff' IN {{ current_user.groups }}
  )
GROUP BY p.sku, p.name
ORDER BY revenue DESC, p.sku
