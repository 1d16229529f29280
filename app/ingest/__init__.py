"""Ingest: fetch documents, parse them into records, store them."""
