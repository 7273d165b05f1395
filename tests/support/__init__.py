"""Helpers shared by the test suite (real infrastructure, polling)."""
