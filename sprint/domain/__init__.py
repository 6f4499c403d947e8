"""The domain: the plan, the calendar and clock, the rules and ID numbers, and the duty engine. Plain Python: imports nothing of the other wings, and no Prefect."""
