"""A real reader on this machine: `pytest --hardware tests/devices/idcard`, port from YIMEN_IDCARD_URL."""

from __future__ import annotations

import os

import pytest

from devices import registry
from devices.idcard.protocol import SAM_ID_SIZE
from devices.idcard.reader import SamReader, SamStatus

URL = os.environ.get("YIMEN_IDCARD_URL", "serial:///dev/ttyUSB0?baud=115200")


@pytest.mark.hardware
def test_a_real_reader_answers_status_and_sam_id() -> None:
    reader = registry.open_device("idcard", URL)
    assert isinstance(reader, SamReader)
    try:
        assert reader.sam_status() is SamStatus.OK
        assert len(reader.sam_id()) == SAM_ID_SIZE
        reader.find_card()  # either answer (card or none) proves the find command is understood
    finally:
        reader.close()
