"""Careless settings and hostile paths: configuration errors exit 3 naming the key, usage
errors exit 2, and nothing ever writes over the masters."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from cli.runner import dangan
from dangan.config import load_config
from dangan.db.models import StoredFile
from dangan.errors import ConfigError, InputError, StorageError
from dangan.services.project import init_project
from dangan.storage import Area, Storage, sha256_bytes


def _set(home: Path, section: str, line: str) -> None:
    """Put ``line`` as the first key of ``[section]`` in dangan.toml."""
    path = home / "dangan.toml"
    text = path.read_text(encoding="utf-8")
    key = line.split("=")[0].strip()
    kept = [ln for ln in text.splitlines()
            if not ln.strip().startswith(f"{key} =") or f"[{section}]" == ln]
    text = "\n".join(kept) + "\n"
    if f"[{section}]" in text:
        text = text.replace(f"[{section}]\n", f"[{section}]\n{line}\n", 1)
    else:
        text += f"\n[{section}]\n{line}\n"
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return init_project(tmp_path / "p", "court", name="甲").home


def test_a_utf16_settings_file_is_a_configuration_error(home: Path) -> None:
    path = home / "dangan.toml"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    with pytest.raises(ConfigError) as err:
        load_config(home)
    assert err.value.key == "config.not_utf8"
    r = dangan("status", "-p", str(home))
    assert r.returncode == 3, r.stderr
    assert "UTF-8" in r.stderr and "dangan.toml" in r.stderr


def test_a_utf8_bom_is_accepted(home: Path) -> None:
    path = home / "dangan.toml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_config(home).project.name == "甲"


@pytest.mark.parametrize(("section", "line", "key"), [
    ("database", 'url = "garbage"', "database.url"),
    ("database", 'url = "mysql://root@localhost/x"', "database.url"),
    ("storage", 'url = "nosuchprotocol://bucket/archive"', "storage.url"),
    ("naming", 'archive_code = "{year:4d}-{category"', "naming.archive_code"),
    ("naming", 'folder = "{borrow_batch:d}}-{archive_code}"', "naming.folder"),
    ("delivery", 'pdf_name = "../../../已扫描/{archive_code}-{item_no:03d}"', "delivery.pdf_name"),
    ("delivery", 'pdf_name = "{archive_code}/{item_no:03d}"', "delivery.pdf_name"),
])
def test_invalid_values_are_configuration_errors_naming_the_key(home: Path, section: str,
                                                                 line: str, key: str) -> None:
    _set(home, section, line)
    with pytest.raises(ConfigError) as err:
        load_config(home)
    assert err.value.key == "config.invalid"
    assert any(key in d for d in err.value.details), err.value.details
    r = dangan("status", "-p", str(home))
    assert r.returncode == 3, r.stderr
    assert key in r.stderr


@pytest.mark.parametrize(("name", "value"), [("DANGAN_DATABASE_URL", "garbage"),
                                             ("DANGAN_STORAGE_URL", "nosuch://x")])
def test_bad_environment_settings_are_configuration_errors(home: Path, name: str,
                                                           value: str) -> None:
    r = dangan("status", "-p", str(home), env={name: value})
    assert r.returncode == 3, r.stderr
    assert name in r.stderr


def test_an_unknown_language_is_a_usage_error(home: Path) -> None:
    r = dangan("--lang", "xx", "status", "-p", str(home))
    assert r.returncode == 2
    assert "xx" in r.stderr
    assert dangan("--lang", "en", "status", "-p", str(home)).returncode == 0


def _stored_scans(home: Path, count: int) -> list[str]:
    """Master files on disk with their recorded checksums (what ingest leaves)."""
    from dangan.services.project import open_project

    ctx = open_project(home)
    rels = []
    with ctx.transaction() as session:
        for n in range(1, count + 1):
            rel = f"{Area.SCANNED.value}/1997-民-0014-0025/{n:04d}.jpg"
            data = f"page {n}".encode()
            ctx.storage.write_bytes(rel, data, masters=True)  # as ingest does
            session.add(StoredFile(project_id=ctx.project_id, area=Area.SCANNED.key, path=rel,
                                   kind="page", sha256=sha256_bytes(data), size=len(data)))
            rels.append(rel)
    return rels


@pytest.mark.parametrize("area", ["scanned", "已扫描", " 已扫描 "])
def test_fixity_takes_area_keys_and_folder_names(home: Path, area: str) -> None:
    rels = _stored_scans(home, 3)
    r = dangan("fixity", "-p", str(home), "--area", area)
    assert r.returncode == 0, r.stderr
    assert "3" in r.stdout
    damaged = home / "storage" / rels[1]
    damaged.write_bytes(b"changed")
    r = dangan("fixity", "-p", str(home), "--area", area)
    assert r.returncode == 8, r.stdout + r.stderr
    assert "0002.jpg" in r.stderr


@pytest.mark.parametrize("area", ["已扫瞄", "scaned", "masters"])
def test_fixity_refuses_an_unknown_area(home: Path, area: str) -> None:
    _stored_scans(home, 1)
    r = dangan("fixity", "-p", str(home), "--area", area)
    assert r.returncode == 2, r.stdout + r.stderr
    assert area in r.stderr


# --- masters are untouchable ---------------------------------------------------------------

def _scan_tree(root: Path) -> dict[Path, bytes]:
    (root / "v1").mkdir(parents=True)
    for n in (1, 2):
        Image.new("RGB", (420, 594), (250, 250, 245)).save(root / "v1" / f"{n:04d}.jpg",
                                                           dpi=(50, 50))
    return {p: p.read_bytes() for p in sorted(root.rglob("*.jpg"))}


@pytest.mark.parametrize("where", ["same", "inside", "contains", "alias"])
def test_retouch_refuses_a_destination_overlapping_its_source(tmp_path: Path,
                                                              where: str) -> None:
    src = tmp_path / "masters"
    before = _scan_tree(src)
    dst = {"same": src, "inside": src / "out", "contains": tmp_path,
           "alias": tmp_path / "alias"}[where]
    if where == "alias":
        os.symlink(src, dst)
    r = dangan("retouch", str(src), str(dst), "--force", "--workers", "1")
    assert r.returncode == 4, r.stdout + r.stderr
    assert "masters" in r.stderr
    from typer.testing import CliRunner

    from dangan.cli.main import app

    result = CliRunner().invoke(app, ["retouch", str(src), str(dst), "--force"])
    assert isinstance(result.exception, InputError)
    assert result.exception.key == "cli.retouch_overlap"
    assert {p: p.read_bytes() for p in sorted(src.rglob("*.jpg"))} == before
    assert not (src / "out").exists()


def test_storage_refuses_a_path_that_leaves_its_area(tmp_path: Path) -> None:
    storage = Storage(str(tmp_path / "root"))
    storage.create_areas()
    bad = f"{Area.UPLOADED.value}/pdf/1997-民-0014-0025/../../../{Area.SCANNED.value}/x.pdf"
    with pytest.raises(StorageError) as err:
        storage.write_bytes(bad, b"%PDF-")
    assert err.value.key == "storage.outside_area"
    assert not list((tmp_path / "root" / Area.SCANNED.value).iterdir())
    with pytest.raises(StorageError) as err:
        storage.path("..", "elsewhere")
    assert err.value.key == "storage.outside_root"
    assert storage.path(Area.UPLOADED, "pdf", "a", "b.pdf").endswith("已上传/pdf/a/b.pdf")


def test_a_rule_given_on_the_command_line_with_unpaired_braces_is_a_usage_error(
        tmp_path: Path) -> None:
    (tmp_path / "scans").mkdir()
    r = dangan("check", str(tmp_path / "scans"), "--archive-code-rule", "{year:4d}-{category")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "--archive-code-rule" in r.stderr


def test_only_ingest_writes_master_pages(tmp_path: Path) -> None:
    storage = Storage(str(tmp_path / "root"))
    master = f"{Area.SCANNED.value}/1-1-1-1-1997-民-0014-0025/0001.jpg"
    storage.write_bytes(master, b"scan", masters=True)
    for write in (lambda: storage.write_bytes(master, b"retouched"),
                  lambda: storage.write_batch(iter([(master, b"x", None)])),
                  lambda: storage.put_file(str(tmp_path / "root" / master), master)):
        with pytest.raises(StorageError) as err:
            write()
        assert err.value.key == "storage.masters_protected"
    assert storage.read_bytes(master) == b"scan"
    # the volume's tracking sheet beside the masters is a record, not a master
    storage.write_bytes(f"{Area.SCANNED.value}/1-1-1-1-1997-民-0014-0025/跟踪表.xlsx", b"PK")
