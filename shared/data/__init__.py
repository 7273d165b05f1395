"""The repo's versioned reference data (the official working-day calendar)."""
