"""The binding method is given by its code or by its name, in Chinese or English."""

from __future__ import annotations

import pytest

from dangan.errors import InputError
from dangan.services.rebind import binding_method


@pytest.mark.parametrize(("given", "code"), [
    ("thread", "thread"), ("线装", "thread"), ("线装（三点一线）", "thread"), (" Thread ", "thread"),
    ("胶管热熔", "glue_tube"), ("glue_tube", "glue_tube"), ("缝纫线封边", "sewing"),
])
def test_a_method_by_its_code_or_name(given: str, code: str) -> None:
    assert binding_method(given) == code


def test_an_unknown_method_is_refused_with_the_choices() -> None:
    with pytest.raises(InputError) as refused:
        binding_method("订书钉")
    assert refused.value.key == "rebind.bad_method"
    assert refused.value.params["method"] == "订书钉"
    assert "thread（线装（三点一线））" in refused.value.params["choices"]
