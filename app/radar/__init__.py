"""The personal radar's read side: the text model (TF-IDF term vectors over a sampled document
frequency table), each person's learned linear model, the ranked radar with its reasons, and
similar papers. Issue 6."""
