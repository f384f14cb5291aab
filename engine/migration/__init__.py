"""Migrating running procedures to another version of their process (docs/modelling.md, Migration)."""
