"""Accounts: local users with hashed passwords, API tokens for machines, and OIDC claim mapping.
Every account belongs to one tenant (municipality); what it may do follows from its roles."""
