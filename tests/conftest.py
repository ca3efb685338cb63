"""Shared test helpers: small files written by the tests themselves."""

from __future__ import annotations

import pytest


@pytest.fixture
def write_file(tmp_path):
    """write_file(name, text_or_bytes, encoding='utf-8') -> Path in a fresh folder."""

    def write(name: str, content, encoding: str = "utf-8"):
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    return write
