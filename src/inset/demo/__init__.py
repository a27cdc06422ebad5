"""``inset demo``: sample data, the example supplier portal and a host product page."""
