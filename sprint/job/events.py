"""The events `sprint watch` emits to Prefect: a ledger landed in a unit's folder, or a mail
needs an answer. The intake deployment's trigger (prefect.yaml) runs the intake on them."""

from __future__ import annotations

from prefect.events import emit_event
from prefect.events.worker import EventsWorker


def emit(event: str, unit: str, payload: dict) -> None:
    emit_event(event=event, payload=payload, resource={
        "prefect.resource.id": f"sprint.unit.{unit}",
        "prefect.resource.name": unit,
        "sprint.unit": unit,
    })


def flush() -> None:
    """Send what is queued before the process ends."""
    EventsWorker.drain_all(timeout=10)
