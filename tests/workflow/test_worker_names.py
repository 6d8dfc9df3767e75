"""A worker's name is signed on every stage event (100 characters at most): a longer name, or
one holding a control character, is refused at registration with its own message — on
PostgreSQL it used to reach the database and come back as "value too long"."""

from __future__ import annotations

import pytest

from dangan.domain import workflow as wf
from dangan.errors import InputError
from dangan.services.project import ProjectContext
from dangan.services.workers import add_worker, list_workers


@pytest.mark.parametrize("name", ["张" * 101, "张三\n李四", "王\x00五", "\u202e三张"])
def test_a_name_that_cannot_be_signed_is_refused(any_project: ProjectContext, name: str) -> None:
    with pytest.raises(InputError) as err:
        add_worker(any_project, name, [wf.SCAN_OPERATOR])
    assert err.value.key == "workflow.worker_name_invalid"
    assert list_workers(any_project) == []


@pytest.mark.parametrize("name", ["张" * 100, "欧阳\u3000修", "Zhang San"])
def test_a_name_that_can_be_signed_is_registered(any_project: ProjectContext, name: str) -> None:
    assert add_worker(any_project, name, [wf.SCAN_OPERATOR]).name == name
