"""Every status box a page shows (saved, refused, a warning) has a style of its own in the
stylesheet the pages load: a warning written with a class the stylesheet does not know reads as
plain text."""

from __future__ import annotations

import re
from pathlib import Path

import dangan.web

WEB = Path(dangan.web.__file__).parent
STATUS = re.compile(r'class="([^"{]*\b(?:warn\w*|error\w*|flash\w*|notice\w*)\b[^"{]*)"')


def _css_classes() -> set[str]:
    css = (WEB / "static" / "app.css").read_text(encoding="utf-8")
    return set(re.findall(r"\.([A-Za-z][\w-]*)", css))


def test_every_status_class_in_the_templates_is_styled() -> None:
    styled = _css_classes()
    used: dict[str, list[str]] = {}
    for template in sorted((WEB / "templates").rglob("*.html")):
        for match in STATUS.finditer(template.read_text(encoding="utf-8")):
            for name in match.group(1).split():
                if re.fullmatch(r"(warn|error|flash|notice)\w*", name):
                    used.setdefault(name, []).append(template.name)
    assert used, "the templates show no status boxes: the pattern no longer matches them"
    unstyled = {name: files for name, files in used.items() if name not in styled}
    assert not unstyled, f"status classes without a style in app.css: {unstyled}"
