"""The briefer: cross-disciplinary briefings that cite every claim (issue 5).

scope (which papers, through app.curation) → offline | llm backend → citations (validate, repair)
→ store (rows, jobs, ledger). Only llm.py imports openai.
"""
