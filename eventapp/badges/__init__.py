"""Badges: one printed pass per person per event, with a signed QR code."""
