"""Comment-preserving edits of existing files: each function takes a file's text and returns the new text,
changing only the spot it edits and returning the text unchanged when the edit is already there (idempotent)."""
