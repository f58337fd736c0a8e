"""Voice plugin for devices.registry: the device is an Announcer that renders calls to WAV.

    sim://voice?engine=clips&repeat=2     the committed clip library (default) or engine=espeak
    file:///srv/hall/voice?repeat=2       a directory of the hall's own recordings, same file names

Voice calling has no wire: the display plays the WAV on the PC's sound output. So there is nothing to
simulate between a driver and a device, and `start_simulator` refuses with NO_WIRE_SIMULATOR rather than
invent a protocol; `sim://voice` is simply the announcer with the bundled clips, and `selftest ...?out=F.wav`
writes the sample call to a file for a person to listen to.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

from devices.errors import DeviceError, DeviceFault
from devices.transport import DeviceUrl, DeviceUrlError, RunningSimulator
from devices.voice import pcm
from devices.voice.announcer import Announcer, VoiceEngine, make_engine
from devices.voice.calls import Call
from devices.voice.clips import ClipEngine
from devices.voice.espeak import EspeakPinyinEngine

SAMPLE_CALL = Call(ticket="A012", window=5)


class NoWireSimulatorError(DeviceError):
    code = "NO_WIRE_SIMULATOR"


def open_device(url: DeviceUrl) -> Announcer:
    repeat = url.int_option("repeat", 2)
    if url.scheme == "sim":
        return Announcer(make_engine(url.option("engine", "clips")), repeat=repeat)
    if url.scheme == "file":
        directory = Path(url.target)
        if not directory.is_dir():
            raise DeviceUrlError(f"{url.raw}: not a directory of voice clips")
        return Announcer(ClipEngine(directory), repeat=repeat)
    raise DeviceUrlError(f"{url.raw}: voice is sim://voice?engine=clips|espeak or file:///dir/of/clips")


def selftest(url: DeviceUrl) -> Iterator[str]:
    announcer = open_device(url)
    yield from _engine_lines()
    yield f"示例叫号: {' '.join(announcer.tokens(SAMPLE_CALL))}"
    for engine in _engines_to_try(announcer.engine):
        started = time.perf_counter()
        samples = Announcer(engine, repeat=1).render_samples(SAMPLE_CALL)
        elapsed_ms = (time.perf_counter() - started) * 1000
        seconds, loudness = pcm.duration(samples), pcm.rms(samples)
        yield f"{engine.name}: {seconds:.2f} s, RMS {loudness:.0f}, 合成 {elapsed_ms:.0f} ms"
        if engine is announcer.engine and loudness < 1:
            raise DeviceFault("叫号合成结果没有声音", code="VOICE_SILENT", detail=engine.name)
    if "out" in url.options:
        path = announcer.render_to_file(SAMPLE_CALL, Path(url.options["out"]))
        yield f"已写入 {path}（{announcer.repeat} 遍）"


def _engine_lines() -> Iterator[str]:
    clips = ClipEngine()
    missing = clips.missing()
    yield f"引擎 clips: {'可用' if not missing else '缺少 ' + ', '.join(missing)}（{clips.directory}）"
    espeak = EspeakPinyinEngine()
    if espeak.available():
        yield f"引擎 espeak: 可用（{espeak.version()}）"
    else:
        yield "引擎 espeak: 未安装 espeak-ng"


def _engines_to_try(configured: VoiceEngine) -> list[VoiceEngine]:
    engines = [configured]
    if configured.name != "espeak" and EspeakPinyinEngine().available():
        engines.append(EspeakPinyinEngine())
    return engines


def start_simulator(options: dict[str, str]) -> RunningSimulator:
    raise NoWireSimulatorError(
        "语音叫号没有线路模拟器：使用 sim://voice 直接合成，或 selftest sim://voice?out=call.wav 试听",
        detail="voice has no wire protocol; the display plays the rendered WAV",
    )
