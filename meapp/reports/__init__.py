"""Reports: load (database) → build (pure, one language) → render (.docx / .xlsx bytes)."""
