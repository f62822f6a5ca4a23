"""One module per kind of thing scaffold generates; `base` holds what they share (repo checks, apply, verify)."""
