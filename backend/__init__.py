"""Aduan: public-complaint tracking for Indonesian city governments (UU 25/2009)."""
