"""``volumes import``: the rows that differ from the registered volumes name their fields in
the user's language (题名, 页数), never the model's names (title, expected_pages)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dangan.errors import ConflictError
from dangan.services.volumes import import_volumes


def _sheet(path: Path, title: str, pages: int) -> Path:
    path.write_text(f"档号,题名,页数\n1997-民-0014-0001,{title},{pages}\n", encoding="utf-8")
    return path


def test_changed_rows_name_fields_in_chinese(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import_volumes(project, _sheet(tmp_path / "a.csv", "张三诉李四", 40))
    with pytest.raises(ConflictError) as err:
        import_volumes(project, _sheet(tmp_path / "b.csv", "张三诉王五", 42))
    assert err.value.key == "volumes.changed_rows"
    text = "\n".join(err.value.details)
    assert "题名" in text and "页数" in text
    assert "title" not in text and "expected_pages" not in text
