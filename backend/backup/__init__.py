"""Backups: the database and the evidence files in one archive folder, with a manifest."""
