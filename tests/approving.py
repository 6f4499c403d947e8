"""Deciding a 通报 draft as the operator would in the UI: through Prefect's API, while the run
that drafted it waits."""

from __future__ import annotations

import threading
import time

from flows.duties import duties


class Run:
    """A duty run in a thread of its own, so the test can answer it when it pauses."""

    def __init__(self, **parameters):
        self.state = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, kwargs=parameters, daemon=True)
        self.thread.start()

    def _run(self, **parameters):
        try:
            self.state = duties(**parameters, return_state=True)
        except BaseException as e:  # surfaced by wait()
            self.error = e

    def paused(self, seconds: float = 60):
        """The run's flow run once it waits for a decision, or None once the run has ended."""
        from prefect import get_client
        from prefect.client.schemas.filters import (
            FlowRunFilter,
            FlowRunFilterState,
            FlowRunFilterStateType,
        )
        from prefect.client.schemas.objects import StateType

        deadline = time.monotonic() + seconds
        with get_client(sync_client=True) as client:
            while time.monotonic() < deadline:
                runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(state=FlowRunFilterState(
                    type=FlowRunFilterStateType(any_=[StateType.PAUSED]))))
                if runs:
                    return runs[0]
                if not self.thread.is_alive():
                    return None
                time.sleep(0.3)
        raise AssertionError(f"the run neither paused nor ended within {seconds:.0f} s")

    def answer(self, **decision) -> None:
        """Resume the paused run with the operator's decision, as the UI's form would, and wait
        until the run has taken it."""
        from prefect import get_client, resume_flow_run

        run = self.paused()
        assert run is not None, "the run ended without waiting for a decision"
        resume_flow_run(run.id, run_input=decision)
        deadline = time.monotonic() + 30
        with get_client(sync_client=True) as client:
            while client.read_flow_run(run.id).state.id == run.state.id:
                assert time.monotonic() < deadline, "the run did not take the decision"
                time.sleep(0.2)

    def wait(self, seconds: float = 120):
        self.thread.join(seconds)
        if self.error is not None:
            raise self.error
        assert not self.thread.is_alive(), "the run did not end"
        return self.state
