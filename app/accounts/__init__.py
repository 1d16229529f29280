"""People and what they ask for: accounts, sessions, tokens, follows and mutes (issue 6)."""
