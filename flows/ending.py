"""How a duty run ends: Completed when all its mail went, Failed saying what waits."""

from __future__ import annotations

from prefect.states import Completed, Failed, State

from sprint.mailout.outbox import Delivery


def finish(delivery: Delivery, new_files: int, data=None) -> State:
    if delivery.problems:
        return Failed(message=f"{len(delivery.deferred)} 封邮件待下次运行重发，"
                              f"{len(delivery.failed)} 封发送失败，{len(delivery.refused)} 封部分收件人被拒，"
                              f"{len(delivery.in_doubt)} 封不确定是否送达：详见本次运行的报告（Artifacts）")
    return Completed(message=f"新收文件 {new_files} 个，发出邮件 {len(delivery.sent)} 封",
                     data=data)
