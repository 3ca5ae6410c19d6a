"""Results: what a project has achieved against its logframe (the project page)."""
