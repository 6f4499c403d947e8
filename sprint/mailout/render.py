"""From a draft (plain data) to a message: its templates rendered, its tables written as
workbooks with ID numbers masked, its chart drawn."""

from __future__ import annotations

from jinja2 import Environment

from sprint.domain.engine.draft import Draft
from sprint.domain.plan import Plan
from sprint.mailout.compose import Attachment, Message, render
from sprint.mailout.workbook import table_xlsx

XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def message_of(env: Environment, plan: Plan, draft: Draft) -> Message:
    subject, text, html = render(env, draft.kind, draft.context)
    images = {}
    if draft.chart is not None:
        # matplotlib costs a run ~0.5 s to import: only a run that draws a chart pays it
        from sprint.mailout.chart import bars_against_target

        c = draft.chart
        images[c.cid] = bars_against_target(list(c.names), list(c.values), list(c.thresholds),
                                            c.title, c.value_label, c.threshold_label)
    attachments = [Attachment(t.filename, table_xlsx(t), *XLSX) for t in draft.tables]
    return Message(draft.key, [plan.unit(code).email for code in draft.to], subject, text, html,
                   attachments, images, draft.covers)
