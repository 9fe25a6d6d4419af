"""Data files shipped inside the package (see pyproject.toml)."""
