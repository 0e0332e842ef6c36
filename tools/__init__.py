"""Build helpers for instructors and CI (not shipped to students)."""
