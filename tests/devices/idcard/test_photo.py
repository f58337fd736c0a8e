from __future__ import annotations

import pytest

from devices.idcard.cards import CARDS
from devices.idcard.errors import PhotoDecoderUnavailableError
from devices.idcard.photo import WLT_SIZE, NoLicensedDecoder, PhotoDecoder


def test_no_licensed_decoder_says_so_instead_of_decoding() -> None:
    decoder: PhotoDecoder = NoLicensedDecoder()
    assert decoder.available is False
    with pytest.raises(PhotoDecoderUnavailableError) as caught:
        decoder.decode(CARDS["resident_male"].photo_wlt)
    assert caught.value.code == "IDCARD_PHOTO_DECODER_UNAVAILABLE"
    assert "授权" in caught.value.message


@pytest.mark.parametrize("name", sorted(CARDS))
def test_fixture_photos_are_kept_as_1024_opaque_bytes(name: str) -> None:
    assert len(CARDS[name].photo_wlt) == WLT_SIZE
