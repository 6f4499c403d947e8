"""How a duty run ends: Completed when all its mail went, Failed saying what waits."""

from __future__ import annotations

from prefect.states import Completed, Failed, State

from sprint.mailout.outbox import Delivery


def _mail(entries: list[str]) -> list[str]:
    return [e for e in entries if not e.startswith("robot")]  # robot-<kind>, robot <unit>


def _chat(delivery: Delivery) -> str:
    """The group robots' messages, counted apart from the mail."""
    waits, failed, doubt = (len(x) - len(_mail(x)) for x in
                            (delivery.deferred, delivery.failed, delivery.in_doubt))
    if not (waits or failed or doubt):
        return ""
    return f"；群消息 {waits} 条待下次运行重发（含限流暂停），{failed} 条失败，{doubt} 条不确定是否送达"


def finish(delivery: Delivery, new_files: int, data=None) -> State:
    if delivery.problems:
        return Failed(message=f"{len(_mail(delivery.deferred))} 封邮件待下次运行重发，"
                              f"{len(_mail(delivery.failed))} 封发送失败，{len(delivery.refused)} 封部分收件人被拒，"
                              f"{len(_mail(delivery.in_doubt))} 封不确定是否送达{_chat(delivery)}："
                              "详见本次运行的报告（Artifacts）")
    chats = len(delivery.sent) - len(_mail(delivery.sent))
    return Completed(message=f"新收文件 {new_files} 个，发出邮件 {len(_mail(delivery.sent))} 封"
                             + (f"，群消息 {chats} 条" if chats else ""), data=data)
