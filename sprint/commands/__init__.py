"""The `sprint` commands that show the plan and its state, one module each (sprint/commands/cli.py
parses the command line and runs them)."""
