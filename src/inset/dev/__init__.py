"""``inset dev DIR``: author apps with draft releases, reload on change and a preview page."""
