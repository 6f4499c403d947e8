"""Prefect flows: one per duty of the plan, wiring the tasks."""
