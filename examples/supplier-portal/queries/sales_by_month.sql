-- Units and revenue per month over the last 12 months of the signed-in supplier's products
-- (staff: every supplier's), oldest month first.
SELECT month, units, revenue
FROM (
    SELECT month, sum(units) AS units, round(sum(revenue), 2) AS revenue
    FROM sales
    WHERE (
        supplier_id = {{ current_user.metadata.supplierId }}
        OR 'staff' IN {{ current_user.groups }}
      )
    GROUP BY month
    ORDER BY month DESC
    LIMIT 12
  ) AS recent
ORDER BY month
