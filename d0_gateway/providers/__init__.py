"""Typed clients, one module per external provider."""
