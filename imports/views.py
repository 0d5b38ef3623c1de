"""Reviewer pages for imported figures: upload, preview, confirm, the figures per unit."""
