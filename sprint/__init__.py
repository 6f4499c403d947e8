"""The Hundred-Day Sprint domain: plan, calendar, ledgers, measures. No Prefect import here."""
