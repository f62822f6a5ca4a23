"""One module per subcommand: each has `register(subparsers)` (argparse only, cheap to import) and a handler that
imports the generator or verifier it needs when it runs. `scaffold new <kind>` commands are the `new_*` modules."""
