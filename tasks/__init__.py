"""Prefect tasks: each wraps one I/O step of a duty; the logic lives in the sprint package."""
