"""Inset: data apps embedded securely in another product for its external users."""

__version__ = "0.1.0"
