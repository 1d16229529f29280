"""Static assets served under /static (package data)."""
