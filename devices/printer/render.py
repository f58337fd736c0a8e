"""What the simulated head put on the paper, and how it looks: elements → a greyscale PIL image.

Font A cells are 12 x 24 dots (a double-byte character takes two), magnified by GS !. Text is drawn with a
CJK font from Debian (Noto Sans Mono CJK SC from fonts-noto-cjk, whose Latin letters are exactly half the
width of a Hanzi, like a printer's font; else WenQuanYi Micro Hei), found with fc-match or at its Debian path.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from devices.errors import DeviceError

CELL_WIDTH, CELL_HEIGHT = 12, 24
WHITE, BLACK = 255, 0
ALIGN_LEFT, ALIGN_CENTER, ALIGN_RIGHT = 0, 1, 2

FONT_FAMILIES = ("Noto Sans Mono CJK SC", "WenQuanYi Micro Hei Mono", "WenQuanYi Micro Hei")
DEBIAN_FONTS = {
    "regular": (
        ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "Noto Sans Mono CJK SC"),
        ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "WenQuanYi Micro Hei Mono"),
    ),
    "bold": (("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", "Noto Sans Mono CJK SC"),),
}


@dataclass(frozen=True)
class Glyph:
    text: str
    columns: int  # 1 for a single-byte character, 2 for a double-byte one
    width: int  # magnification 1..8
    height: int
    bold: bool

    @property
    def dots(self) -> tuple[int, int]:
        return CELL_WIDTH * self.columns * self.width, CELL_HEIGHT * self.height


@dataclass(frozen=True)
class TextLine:
    glyphs: tuple[Glyph, ...]
    align: int
    advance: int  # dots the paper moves for this line

    @property
    def text(self) -> str:
        return "".join(glyph.text for glyph in self.glyphs)


@dataclass(frozen=True)
class Bitmap:
    image: Image.Image  # mode "L", black on white
    align: int


@dataclass(frozen=True)
class Feed:
    dots: int


Element = TextLine | Bitmap | Feed


def element_height(element: Element) -> int:
    if isinstance(element, TextLine):
        return element.advance
    if isinstance(element, Bitmap):
        return element.image.height
    return element.dots


def render(elements: list[Element], width: int) -> Image.Image:
    height = max(sum(element_height(element) for element in elements), 1)
    page = Image.new("L", (width, height), WHITE)
    y = 0
    for element in elements:
        if isinstance(element, TextLine):
            _draw_line(page, element, y)
        elif isinstance(element, Bitmap):
            page.paste(element.image, (_x_for(element.align, element.image.width, width), y))
        y += element_height(element)
    return page


def _x_for(align: int, used: int, width: int) -> int:
    if align == ALIGN_CENTER:
        return max((width - used) // 2, 0)
    if align == ALIGN_RIGHT:
        return max(width - used, 0)
    return 0


def _draw_line(page: Image.Image, line: TextLine, top: int) -> None:
    used = sum(glyph.dots[0] for glyph in line.glyphs)
    band = max((glyph.dots[1] for glyph in line.glyphs), default=CELL_HEIGHT)
    x = _x_for(line.align, used, page.width)
    for glyph in line.glyphs:
        cell = glyph_image(glyph)
        page.paste(cell, (x, top + band - cell.height))
        x += cell.width


@functools.lru_cache(maxsize=4096)
def glyph_image(glyph: Glyph) -> Image.Image:
    """The glyph drawn at its magnified height, then squeezed or stretched to its cell width."""
    width, height = glyph.dots
    font = cjk_font("bold" if glyph.bold else "regular", height)
    natural = max(round(font.getlength(glyph.text)), 1) if glyph.text.strip() else width
    cell = Image.new("L", (natural, height), WHITE)
    stroke = 0 if glyph.bold and _has_bold_face() else (max(height // 24, 1) if glyph.bold else 0)
    ImageDraw.Draw(cell).text(
        (0, round(height * 0.88)), glyph.text, font=font, fill=BLACK, anchor="ls", stroke_width=stroke
    )
    return cell.resize((width, height), Image.Resampling.LANCZOS) if natural != width else cell


class FontMissingError(DeviceError):
    code = "PRINTER_SIM_FONT_MISSING"


@functools.lru_cache(maxsize=64)
def cjk_font(weight: str, size: int) -> ImageFont.FreeTypeFont:
    path, index = _font_file(weight)
    return ImageFont.truetype(path, size, index=index)


@functools.lru_cache(maxsize=1)
def _has_bold_face() -> bool:
    return any(Path(path).exists() for path, _ in DEBIAN_FONTS["bold"])


@functools.lru_cache(maxsize=2)
def _font_file(weight: str) -> tuple[str, int]:
    candidates = list(DEBIAN_FONTS.get(weight, ())) + list(DEBIAN_FONTS["regular"])
    candidates += [(path, family) for path, family in _fc_match(weight)]
    for path, family in candidates:
        index = _face_index(path, family)
        if index is not None:
            return path, index
    raise FontMissingError("找不到中文字体，请安装 fonts-noto-cjk 或 fonts-wqy-microhei")


def _fc_match(weight: str) -> list[tuple[str, str]]:
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return []
    found = []
    for family in FONT_FAMILIES:
        pattern = f"{family}:weight={'bold' if weight == 'bold' else 'regular'}"
        result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [fc_match, "-f", "%{file}|%{family}", pattern], capture_output=True, text=True, check=False
        )
        path, _, families = result.stdout.partition("|")
        if family in families.split(","):
            found.append((path, family))
    return found


def _face_index(path: str, family: str) -> int | None:
    """The index of `family` inside a font collection file, or None."""
    if not Path(path).exists():
        return None
    for index in range(16):
        try:
            face = ImageFont.truetype(path, 12, index=index)
        except OSError:
            return None
        if face.getname()[0] == family:
            return index
    return None
