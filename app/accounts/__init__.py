"""People and what belongs to them: accounts, passwords, personal tokens, follows (issue 6)."""
