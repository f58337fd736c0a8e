"""Elder mode against a real hall server: every screen spoken aloud offline (espeak-ng, required: the test
fails without it), help requests reaching staff live, and device health reports the manager sees."""

from __future__ import annotations

import asyncio
import threading

from devices.voice import pcm
from devices.voice.player import RecordingAudioOut
from hall_server.client import HallClient, LiveFeed
from hall_server.client.runner import LoopRunner
from hall_server.contract.devicehealth import PartState
from hall_server.contract.live import EventMessage
from kiosk.config import Language
from kiosk.controller.devices import DeviceHub
from kiosk.controller.health import kiosk_version
from kiosk.controller.kiosk import HelpState, KioskController, Screen
from kiosk.controller.lookup import LookupStage
from kiosk.controller.speech import spoken_pinyin
from tests.kiosk.conftest import kiosk_config

SPEECH_RMS = 300.0


def started(demo_hall, simulators, audio_out=None, **overrides):
    config = kiosk_config(demo_hall, simulators, **overrides)
    runner = LoopRunner()
    client = HallClient(config.server, config.token)
    controller = KioskController(config, client, DeviceHub(config), runner, audio_out=audio_out)
    controller.start()
    runner.run_until(lambda: controller.online, timeout=15)
    return controller, runner


def test_sentences_become_pinyin_with_ticket_numbers_spelled_and_counts_as_numbers():
    assert (
        spoken_pinyin("请 A012 号到 5 号窗口。") == "qing3 ei1 ling2 yi1 er4 hao4 dao4 wu3 hao4 chuang1 kou3"
    )
    assert (
        spoken_pinyin("前面还有 12 人，约 30 分钟")
        == "qian2 mian4 hai2 you3 shi2 er4 ren2, yue1 san1 shi2 fen1 zhong1"
    )


def test_elder_mode_speaks_each_new_screen_and_standard_mode_stays_silent(demo_hall, simulators):
    sink = RecordingAudioOut()
    controller, runner = started(demo_hall, simulators, sink, voice="sim://voice?engine=espeak")
    try:
        controller.go(Screen.GUIDES)
        controller.go_home()
        runner.run_pending(wait=1.0)  # time enough to synthesise, had anything been said
        assert sink.recordings() == []  # standard mode: silent
        controller.set_elder(True)  # announces the screen it is on
        controller.go(Screen.IDENTIFY)
        runner.run_until(lambda: len(sink.recordings()) >= 1, timeout=30)
        assert all(pcm.rms(samples) > SPEECH_RMS for samples in sink.recordings())
        assert pcm.duration(sink.recordings()[-1]) > 1.0
        part = controller.devices.part("voice")
        assert part is not None and part.state is PartState.OK
    finally:
        controller.stop()


def test_flow_sentences_are_spoken_only_when_the_voice_is_on(demo_hall, simulators):
    sink = RecordingAudioOut()
    controller, runner = started(
        demo_hall, simulators, sink, voice="sim://voice?engine=espeak", voice_always=True
    )
    try:
        controller.speak("您的号码是 A012 号")
        runner.run_until(lambda: len(sink.recordings()) == 1, timeout=30)
        assert pcm.rms(sink.recordings()[0]) > SPEECH_RMS
    finally:
        controller.stop()


def test_help_request_is_stored_once_and_reaches_staff_on_the_hall_topic(demo_hall, simulators):
    with demo_hall.staff("admin") as admin:
        token = admin.token
    heard: list[EventMessage] = []
    listening = threading.Event()

    async def listen() -> None:
        async with LiveFeed(demo_hall.server.ws_url, token, ["hall"]) as feed:
            async for message in feed:
                listening.set()
                if isinstance(message, EventMessage) and message.event.event_type == "hall.help.requested":
                    heard.append(message)
                    return

    listener = threading.Thread(target=lambda: asyncio.run(asyncio.wait_for(listen(), 30)), daemon=True)
    listener.start()
    assert listening.wait(15)
    controller, runner = started(demo_hall, simulators, elder=True)
    try:
        controller.go(Screen.IDENTIFY)
        controller.request_help()
        controller.request_help()  # a second tap while the first is on its way
        assert controller.help is HelpState.SENDING
        runner.run_until(lambda: controller.help is HelpState.SENT)
        controller.request_help()  # and once it is sent
        runner.run_pending(wait=0.5)
        listener.join(30)
        assert heard, "no hall.help.requested on the hall topic"
        with demo_hall.staff("admin") as admin:
            requests = admin.help_requests(open_only=True)
        assert len(requests) == 1
        assert requests[0].open and "读取身份证" in requests[0].reason and "长者模式" in requests[0].reason
        controller.go_home()  # the next visitor has not asked
        assert controller.help is HelpState.NONE
    finally:
        controller.stop()


def test_device_health_shows_a_printer_out_of_paper_and_a_missing_reader(demo_hall, simulators):
    controller, runner = started(
        demo_hall, simulators, health_seconds=0.5, idcard="serial:///dev/yimen-no-such-reader?baud=115200"
    )
    try:
        with demo_hall.staff("admin") as admin:

            def kiosk_parts() -> dict[str, PartState]:
                mine = [d for d in admin.device_health() if d.app_version == kiosk_version()]
                return {p.kind: p.state for d in mine for p in d.devices}

            runner.run_until(lambda: kiosk_parts().get("printer") is PartState.OK, timeout=20)
            assert kiosk_parts()["reader"] is PartState.ABSENT
            simulators.printer.simulator.set_paper("out")
            runner.run_until(lambda: kiosk_parts().get("printer") is PartState.FAULT, timeout=20)
            kiosk = next(d for d in admin.device_health() if d.app_version)
            assert kiosk.app_version == kiosk_version()
            printer = next(p for p in kiosk.devices if p.kind == "printer")
            assert printer.code == "PRINTER_PAPER_OUT"
    finally:
        controller.stop()


def test_device_health_shows_a_camera_that_cannot_be_opened_and_its_recovery(demo_hall, simulators):
    controller, runner = started(demo_hall, simulators, health_seconds=0.5, camera="file:///no/such/camera")
    try:
        with demo_hall.staff("admin") as admin:

            def camera() -> tuple[PartState, str | None] | None:
                mine = [d for d in admin.device_health() if d.app_version == kiosk_version()]
                parts = [(p.state, p.code) for d in mine for p in d.devices if p.kind == "camera"]
                return parts[0] if parts else None

            controller.checkin.start()  # the camera is opened for the check-in screen only
            runner.run_until(lambda: controller.checkin.camera_ok is False)
            runner.run_until(lambda: camera() is not None, timeout=20)
            state, code = camera()  # type: ignore[misc]
            assert state is PartState.ABSENT and code
            controller.checkin.camera_url = "sim://camera?scene=empty&realtime=0&width=320&height=180"
            controller.checkin.restart_camera()
            runner.run_until(lambda: camera() == (PartState.OK, None), timeout=20)
    finally:
        controller.stop()


def test_every_screen_has_a_name_and_a_sentence_to_speak_in_both_languages():
    from kiosk.config import Language
    from kiosk.controller.kiosk import Screen
    from kiosk.texts import tr

    for screen in Screen:
        for language in Language:
            assert tr(f"screen.{screen.value}", language)
            assert tr(f"speak.{screen.value}", language)


def test_elder_mode_speaks_the_check_in_result_its_refusal_and_a_bad_check_digit(
    demo_hall, simulators, clock
):
    from datetime import timedelta

    from kiosk.controller.checkin import Step
    from kiosk.texts import tr
    from tests.kiosk.test_checkin import TEN, book

    book(demo_hall)
    clock.set(TEN - timedelta(minutes=15))
    sink = RecordingAudioOut()
    controller, runner = started(demo_hall, simulators, sink, voice="sim://voice?engine=espeak", elder=True)
    try:
        runner.run_until(lambda: controller.devices.works("printer"), timeout=15)
        controller.checkin.start()
        simulators.place("resident_male")
        runner.run_until(lambda: controller.checkin.step is Step.DONE, timeout=20)
        ticket = controller.checkin.result.ticket
        ahead = ticket.estimate.people_ahead if ticket.estimate else 0
        spoken = f"签到成功。您的号码是 {ticket.number}，前面还有 {ahead} 人。请取走票据。"
        runner.run_until(lambda: spoken in controller.speaker.said, timeout=20)
        heard = len(sink.recordings())
        runner.run_until(lambda: len(sink.recordings()) > heard, timeout=30)  # the number, said last
        number_said = sink.recordings()[-1]
        assert pcm.rms(number_said) > SPEECH_RMS and pcm.duration(number_said) > 3.0

        controller.go_home()
        controller.checkin.start()
        simulators.remove()
        runner.run_until(lambda: not controller.checkin.card_on_reader, timeout=10)
        simulators.place("resident_male")  # checked in already: refused, and the reason is said
        runner.run_until(lambda: controller.checkin.step is Step.REFUSED, timeout=20)
        assert controller.speaker.said[-1] == tr("checkin.APPOINTMENT_NOT_BOOKED", controller.language)

        controller.go_home()
        controller.identify.start("ticket.purpose", lambda identity: None)
        controller.identify.use_keypad()
        for key in "110101199003076510":  # the check digit of ...07651 is X
            controller.identify.press(key)
        controller.identify.submit()
        assert controller.identify.message and controller.speaker.said[-1] == controller.identify.message
        runner.run_until(lambda: len(sink.recordings()) > heard + 1, timeout=30)

        controller.go_home()
        controller.lookup.start()  # 我的排队: the result is read out, ticket by ticket
        simulators.remove()
        runner.run_pending(wait=1.0)
        simulators.place("resident_male")
        runner.run_until(lambda: controller.lookup.stage is LookupStage.SHOWN, timeout=20)
        summary = controller.speaker.said[-1]
        assert summary.startswith(f"{ticket.number} 号，") and summary == controller.lookup.summary(
            Language.ZH
        )
    finally:
        controller.stop()


def tone(seconds: float):
    import numpy as np

    t = np.arange(int(pcm.SAMPLE_RATE * seconds)) / pcm.SAMPLE_RATE
    return (np.sin(2 * np.pi * 440 * t) * 8000).astype(np.int16)


def test_aplay_plays_the_voice_on_a_named_alsa_device(caplog):
    """alsa-utils is installed by scripts/test and scripts/hall; ALSA's null device takes the sound on any
    machine, sound card or not (a player that failed would leave silent_reason set and log)."""
    from devices.voice.player import SystemAudioOut

    out = SystemAudioOut("null")
    assert out.command is not None and out.command[0].endswith("aplay") and "null" in out.command
    out.play(tone(0.5))
    assert out.silent_reason == "" and "no sound output" not in caplog.text


def test_without_a_sound_card_the_kiosk_logs_once_and_stays_silent(demo_hall, simulators, caplog):
    # ALSA card 99 exists nowhere: aplay fails to open it as it fails on a PC without a sound card.
    controller, runner = started(
        demo_hall, simulators, voice="sim://voice?engine=espeak", voice_always=True, sound_device="hw:99"
    )
    try:
        out = controller.speaker.out
        controller.speak("您的号码是 A012")
        runner.run_until(lambda: controller.devices.part("voice").state is PartState.FAULT, timeout=30)
        assert controller.devices.part("voice").code == "NO_SOUND_OUTPUT"
        out.play(tone(0.2))  # the next sentences: nothing tried, nothing logged again
        controller.speak("前面还有 3 人")
        runner.run_pending(wait=0.5)
        warnings = [r for r in caplog.records if "no sound output" in r.getMessage()]
        assert len(warnings) == 1 and warnings[0].levelname == "WARNING"
        controller.go(Screen.CHECKIN)  # the kiosk works on, mute
        assert controller.screen is Screen.CHECKIN and controller.online
    finally:
        controller.stop()
