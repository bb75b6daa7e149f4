"""Exhibitor registration, review by the organizers, bulk import and the company page."""
