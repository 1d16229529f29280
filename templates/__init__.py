"""Jinja2 templates, installed as package data (found through importlib.resources)."""
