"""Flow files: reading them from ``flows/`` (and an extra folder) and checking them."""
