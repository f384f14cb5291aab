"""The Wams engine: process definitions, the process runtime and the domain services.

Nothing in this package imports Flask or the `api` package (a test enforces it), so every rule here
can be exercised and reused without the web layer.
"""
