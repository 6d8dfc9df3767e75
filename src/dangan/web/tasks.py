"""What the task list and the JSON API show: the batches waiting for an account's roles and
the ones it holds. Read-only; every figure comes from the services' public functions."""

from __future__ import annotations

from dataclasses import dataclass, field

from dangan.domain import workflow as wf
from dangan.services.batches import WorkBatchInfo, list_work_batches
from dangan.services.project import ProjectContext
from dangan.web.security import Account

SCAN_PREFIX = "dangan:"


@dataclass(frozen=True)
class MyTasks:
    held: list[WorkBatchInfo] = field(default_factory=list)
    waiting: list[WorkBatchInfo] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"held": [b.to_dict() for b in self.held],
                "waiting": [b.to_dict() for b in self.waiting],
                "counts": {"held": len(self.held), "waiting": len(self.waiting)}}


def stages_for(account: Account) -> list[str]:
    """The work stages the account's roles may claim, in line order."""
    return [s for s, roles in wf.STAGE_ALLOWED_ROLES.items()
            if roles & account.roles and s not in wf.BORROW_BATCH_STAGES]


def my_tasks(ctx: ProjectContext, account: Account) -> MyTasks:
    held: list[WorkBatchInfo] = []
    waiting: list[WorkBatchInfo] = []
    for stage in stages_for(account):
        for info in list_work_batches(ctx, stage=stage):
            if info.holder == account.name:
                held.append(info)
            elif not info.holder and info.status == wf.WAITING:
                waiting.append(info)
    return MyTasks(held, waiting)


def code_from_scan(text: str) -> str:
    """A responsibility card's QR/barcode (``dangan:<project>:work_batch:<id>:<code>``) or a
    typed work-batch code."""
    value = text.strip()
    if value.startswith(SCAN_PREFIX) and ":work_batch:" in value:
        return value.rsplit(":", 1)[-1]
    return value
