"""A person's library: saved papers with tags and notes, radar feedback, and exports (issue 6)."""
