"""The verifier: the check catalogue, the engine that runs checks over a repo, sign-offs, and reporters."""
