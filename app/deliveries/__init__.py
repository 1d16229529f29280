"""Reaching people: the daily e-mail digest, the radar webhook and admin incident alerts."""
