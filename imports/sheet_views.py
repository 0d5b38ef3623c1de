"""Scoring sheets: download a pre-filled workbook, fill it offline, upload, preview, confirm."""
