"""Reviewing accepted files in the Prefect UI: the run shows each file still 已接收 (oldest
first, up to `limit`) and waits for the operator's decision in a typed form, as the 通报
decision does; `sprint review` decides the same from the shell."""

from __future__ import annotations

from typing import Annotated

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from prefect.states import Failed
from pydantic import Field

from flows.duties import AsOf
from sprint.domain.calendar import BEIJING
from sprint.domain.clock import NotAMoment, moment
from sprint.domain.filenames import as_sent
from sprint.domain.records import RECEIVED
from sprint.services import reviewing
from sprint.services.context import connect

WAIT_SECONDS = 24 * 3600  # a form left unanswered for a day ends the run; nothing changes
Limit = Annotated[int, Field(ge=1)]


def _text(services, r) -> str:
    name = services.plan.unit(r.unit).name
    return (f"#{r.id} {name}《{services.plan.templates[r.template].name}》报送期 {r.period}，"
            f"文件“{as_sent(r.file_name)}”，{r.rows} 行，"
            f"{r.received_at.astimezone(BEIJING):%Y-%m-%d %H:%M} 收到")


def run_name() -> str:
    """`review @2020-10-08 09:00`: the UI's list of runs says when the review stands."""
    try:
        return f"review @{moment(flow_run.parameters.get('as_of')):%Y-%m-%d %H:%M}"
    except NotAMoment:
        return "review @日期有误"


@flow(name="review", flow_run_name=run_name, log_prints=False)
def review(as_of: AsOf = None, limit: Limit = 10):
    """Review the accepted files, one form each.

    Args:
        as_of: 审核时点：只列此时点前收到的文件，审核结果按此时点记录；只写日期表示当日24时（北京时间）；留空表示现在
        limit: 本次最多审核几份（先收到的在前，逐份出现审核表单）
    """
    from prefect import pause_flow_run, suspend_flow_run
    from prefect.exceptions import FlowPauseTimeout
    from prefect.runtime import deployment

    from tasks.review_form import ReviewDecision

    log = get_run_logger()
    try:
        now = moment(as_of)
    except NotAMoment as e:  # a date from the form that does not exist: one Chinese line
        return Failed(message=str(e))
    services = connect()
    waiting = [r for r in reviewable_now(services, now) if r.review == RECEIVED][:limit]
    if not waiting:
        log.info("没有待审核（已接收）的文件")
    decided: dict[str, int] = {}
    for r in waiting:
        form = ReviewDecision.with_initial_data(description=_text(services, r))
        try:
            if deployment.id:
                answer = suspend_flow_run(wait_for_input=form, timeout=WAIT_SECONDS,
                                          key=f"review-{r.id}")
            else:
                answer = pause_flow_run(wait_for_input=form, timeout=WAIT_SECONDS,
                                        poll_interval=2, key=f"review-{r.id}")
        except FlowPauseTimeout:
            log.warning("审核表单未提交，本次运行结束；文件保持原状态")
            break
        if answer.state is None:
            log.warning("#%d 未选择审核结果，保持“已接收”", r.id)
            continue
        _, delivery = reviewing.decide(services, r, answer.state, answer.note, "Prefect 界面", now)
        sent = len(delivery.sent) if delivery else 0
        log.info("#%d %s：%s（通知邮件 %d 封）", r.id, r.unit, answer.state, sent)
        decided[answer.state] = decided.get(answer.state, 0) + 1
    return decided


def reviewable_now(services, now):
    return [r for r in reviewing.reviewable(services) if r.received_at <= now]
