"""Ids keep the shape each kind of row has always had: `<prefix>-<hex digits>` of the kind's length."""

from __future__ import annotations

import re

from shared.ids import new_id


def test_an_id_is_the_prefix_then_as_many_hex_digits_as_asked():
    assert re.fullmatch(r"PP-[0-9a-f]{16}", new_id("PP"))
    assert re.fullmatch(r"E-[0-9a-f]{10}", new_id("E", length=10))
    assert re.fullmatch(r"IMP-20261203-[0-9a-f]{8}", new_id("IMP-20261203", length=8))


def test_ids_minted_in_a_row_differ():
    assert len({new_id("F", length=12) for _ in range(1000)}) == 1000
