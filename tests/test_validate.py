"""validate: the checks every AWS identifier and rendered value goes through."""

from __future__ import annotations

import pytest

from eks_tf_auth.errors import InputError


def test_ca_data_with_bad_padding() -> None:
    from eks_tf_auth import validate

    with pytest.raises(InputError, match="not base64"):
        validate.ca_data("abc")
