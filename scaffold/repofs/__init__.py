"""How scaffold touches a platform repo's files when every byte of the repo is untrusted input.

- `paths`: repo-relative paths checked before use (no `..`, no absolute paths, no symlink on the way).
- `write`: atomic writes through folder descriptors that never follow a link (O_NOFOLLOW, O_EXCL temp files with
  unpredictable names, fsync, rename).
- `read`: reads that open only regular files inside the repo (never a link out, a FIFO or a device; size-capped).
- `lock`: one writer at a time per repo (`fcntl.flock` on `.scaffold/lock`), waited for a bounded time.

Writers (staging, attest, the verify cache) go through here; nothing here imports the rest of scaffold but
`scaffold.errors` and `scaffold.platform`.
"""

# Repo-relative paths the current command has written in full (applied changes), so that a message about a command
# cut short afterwards says what was written. Here, not in `journal`, so the command line reads it without imports.
WRITTEN: list[str] = []
