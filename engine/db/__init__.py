"""Database plumbing: declarative base, portable column types, engine creation, the unit of work."""
