"""The kiosk as a whole: which screen is shown, the hall's live waiting counts, whether the hall server
answers, the idle timer, and the flows that hang off it (take a ticket, check in, guides, my tickets, 评价,
投诉).

State lives here and in the flows; views subscribe and re-render on `changed()`. All methods run on the
owner's thread (see runner.py); blocking work goes through `call_server` or the runner.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import Protocol, TypeVar

import httpx

from devices.voice.player import AudioOut
from hall_server.client import ApiError, HallClient
from hall_server.client.follower import LiveFollower
from hall_server.client.follower import offline_reason as reason_of
from hall_server.client.live import LiveFeed
from hall_server.client.runner import Runner
from hall_server.contract.live import EventMessage, ServerMessage, SnapshotMessage
from hall_server.contract.load import CategoryWaiting, Snapshot
from kiosk.config import KioskConfig, Language
from kiosk.controller.devices import CardEvent, DeviceHub
from kiosk.controller.health import HealthReporter
from kiosk.controller.speech import speaker_for
from kiosk.texts import tr

log = logging.getLogger(__name__)
T = TypeVar("T")

RECONNECT_SECONDS = 2.0
READER_RETRY_SECONDS = 2.0  # a reader that could not be opened is tried again this often
# 4xx codes that describe the request, not the visitor's case: never shown as they are
TECHNICAL_CODES = frozenset(
    {"VALIDATION_ERROR", "NOT_FOUND", "METHOD_NOT_ALLOWED", "HTTP_ERROR", "PAYLOAD_TOO_LARGE"}
)
_CJK = re.compile(r"[\u3400-\u9fff]")
ELDER_IDLE_FACTOR = 2.0


class Screen(StrEnum):
    HOME = "home"
    IDENTIFY = "identify"  # 请将身份证放在感应区 / typed number
    MATTERS = "matters"  # 高频事项, categories, search
    GUIDE = "guide"  # one matter's guide, before confirming
    ISSUE = "issue"  # the ticket being issued, or why it could not be
    TICKET = "ticket"  # the issued ticket: printed, or kept on screen
    CHECKIN = "checkin"  # 预约签到
    GUIDES = "guides"  # 办事指南 browsing
    LOOKUP = "lookup"  # 我的排队/办件
    EVALUATE = "evaluate"  # 评价 a service received today
    COMPLAINT = "complaint"  # 我要投诉


class Flow(Protocol):
    def reset(self) -> None:
        """Forget everything about the visitor (idle timeout, back home)."""

    def on_card(self, event: CardEvent) -> bool:
        """A reader event while this flow's screen shows; True if the flow used it."""


@dataclass(frozen=True)
class Waiting:
    code: str
    name: str
    waiting: int
    open_windows: int


class KioskController:
    def __init__(
        self,
        config: KioskConfig,
        client: HallClient,
        devices: DeviceHub,
        runner: Runner,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        audio_out: AudioOut | None = None,
    ) -> None:
        self.config = config
        self.client = client
        self.devices = devices
        self.runner = runner
        self.monotonic = monotonic
        self.screen = Screen.HOME
        self.language = config.language
        self.elder = config.elder
        self.online = False  # until the hall server has answered once
        self.offline_reason = ""
        self.hall_name = ""
        self.waiting: list[Waiting] = []
        self.queue_closed = False
        self.window_numbers: frozenset[int] = frozenset()  # the hall's windows (empty: not known yet)
        self.flows: dict[Screen, Flow] = {}
        self.help = HelpState.NONE
        self._listeners: list[Callable[[], None]] = []
        self._last_touch = monotonic()
        self._due: list[tuple[float, Callable[[], None]]] = []  # after(): (deadline, what), checked in tick()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.live = LiveFollower(
            lambda: LiveFeed(self.config.ws_url, self.config.token, ["display"]),
            self._on_live,
            lambda reason: self.runner.post(partial(self._set_online, False, reason)),
            RECONNECT_SECONDS,
        )
        self.speaker = speaker_for(config, devices, audio_out)
        self._spoken: tuple[Screen, bool] = (self.screen, self.voice_on)
        self.subscribe(self._speak_screen_change)
        self.health = HealthReporter(config, client, devices)
        devices.on_change(lambda _kind: runner.post(self.changed))  # screens show a printer's fault
        self._add_flows()

    def _add_flows(self) -> None:
        # Imported here: each flow's module imports Screen and this class from this module.
        from kiosk.controller.checkin import CheckInFlow
        from kiosk.controller.complaint import ComplaintFlow
        from kiosk.controller.evaluate import EvaluateFlow
        from kiosk.controller.handout import HandoutFlow
        from kiosk.controller.identify import IdentifyFlow
        from kiosk.controller.lookup import LookupFlow
        from kiosk.controller.matters import MatterFlow
        from kiosk.controller.ticket import TicketFlow

        self.identify = IdentifyFlow(self)
        self.matters = MatterFlow(self)
        self.lookup = LookupFlow(self)
        self.handout = HandoutFlow(self)
        self.checkin = CheckInFlow(self)
        self.ticket = TicketFlow(self)
        self.evaluate = EvaluateFlow(self)
        self.complaint = ComplaintFlow(self)

    # -- observers ----------------------------------------------------------------------------------------

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def changed(self) -> None:
        if self._stop.is_set():  # a worker's late answer after stop(): the window may be gone
            return
        for listener in list(self._listeners):
            listener()

    # -- navigation and the idle wipe ---------------------------------------------------------------------

    def go(self, screen: Screen) -> None:
        self.touch()
        self.screen = screen
        self.changed()

    def go_home(self) -> None:
        """Back to the start, every flow's personal data dropped (names, numbers, tickets)."""
        for flow in self.flows.values():
            flow.reset()
        self.help = HelpState.NONE  # the next visitor did not ask
        self.screen = Screen.HOME
        self.changed()

    def touch(self) -> None:
        self._last_touch = self.monotonic()

    @property
    def idle_seconds(self) -> float:
        return self.config.idle_seconds * (ELDER_IDLE_FACTOR if self.elder else 1.0)

    def idle_left(self) -> float:
        return self.idle_seconds - (self.monotonic() - self._last_touch)

    def after(self, seconds: float, fn: Callable[[], None]) -> None:
        """Run `fn` on the owner's thread once `seconds` have passed (checked by tick(), so to the second):
        a wait without a sleeping worker."""
        self._due.append((self.monotonic() + seconds, fn))

    def pending_after(self) -> int:
        """How many after() calls wait for their time."""
        return len(self._due)

    def tick(self) -> None:
        """Called every second by the view's timer (or by a test); nothing once stopped."""
        if self._stop.is_set():
            return
        now = self.monotonic()
        due = [fn for deadline, fn in self._due if deadline <= now]
        self._due = [(deadline, fn) for deadline, fn in self._due if deadline > now]
        for fn in due:
            fn()
        if self.screen is not Screen.HOME and self.idle_left() <= 0:
            log.info("kiosk: idle on %s, back home", self.screen.value)
            self.go_home()

    def set_language(self, language: Language) -> None:
        self.touch()
        self.language = language
        self.changed()

    def set_elder(self, elder: bool) -> None:
        self.touch()
        self.elder = elder
        self.changed()

    # -- the voice (elder mode, or always with config.voice_always) ---------------------------------------

    @property
    def voice_on(self) -> bool:
        return self.elder or self.config.voice_always

    def speak(self, text: str) -> None:
        """Say a sentence of the flow (a ticket number, an outcome) when the voice is on; else nothing."""
        if self.voice_on and self.speaker is not None:
            self.speaker.say(text, self.language)

    def _speak_screen_change(self) -> None:
        """Each new screen (and elder mode switched on) is announced: what to do here."""
        now = (self.screen, self.voice_on)
        if now == self._spoken:
            return
        self._spoken = now
        if self.voice_on:
            self.speak(tr(f"speak.{self.screen.value}", self.language))

    # -- 请工作人员帮助 -----------------------------------------------------------------------------------

    def request_help(self) -> None:
        """Tell the hall's staff that someone at this kiosk needs them; once per visitor (a second tap only
        repeats the confirmation), again after a failure."""
        self.touch()
        if self.help in (HelpState.SENDING, HelpState.SENT):
            self.speak(tr("help.sent", self.language))
            return
        reason = tr("help.reason", Language.ZH, screen=tr(f"screen.{self.screen.value}", Language.ZH))
        if self.elder:
            reason += tr("help.reason_elder", Language.ZH)
        sent = self.call_server(
            lambda client: client.request_help(reason=reason, place=self.config.place),
            lambda _: self._help_answered(HelpState.SENT),
            lambda _: self._help_answered(HelpState.FAILED),
        )
        self.help = HelpState.SENDING if sent else HelpState.FAILED
        self.changed()

    def _help_answered(self, state: HelpState) -> None:
        if self.help is not HelpState.SENDING:
            return  # the visitor went home meanwhile
        self.help = state
        self.changed()
        self.speak(tr("help.sent" if state is HelpState.SENT else "help.failed", self.language))

    # -- the hall server ----------------------------------------------------------------------------------

    def call_server(
        self,
        work: Callable[[HallClient], T],
        done: Callable[[T], None],
        failed: Callable[[ApiError], None] | None = None,
        lost: Callable[[Exception], None] | None = None,
    ) -> bool:
        """Run a hall server call in a worker. An ApiError (the server answered 4xx/5xx) goes to `failed`;
        a transport failure marks the server offline (the banner, and the live feed reconnects to learn when
        it is back) and goes to `lost` when given, else to `failed` as ApiError(503, "HALL_OFFLINE"), so no
        flow waits forever. False if offline now (nothing is sent)."""
        if not self.online:
            return False

        def answered(result: T) -> None:
            self._set_online(True)
            done(result)

        def went_wrong(error: Exception) -> None:
            if isinstance(error, ApiError) and error.status < 500:
                self._set_online(True)
                error = for_visitor(error, self.language)
            elif isinstance(error, ApiError | httpx.TransportError | OSError | TimeoutError):
                self._set_online(False, reason_of(error))
                self.live.reconnect()
                if not isinstance(error, ApiError):
                    if lost is not None:
                        lost(error)
                        return
                    error = ApiError(503, "HALL_OFFLINE", reason_of(error))
            else:  # a bug of ours or an answer we cannot read: say so, but the server is not down
                log.error("kiosk: a hall server call failed: %s", type(error).__name__, exc_info=error)
                error = ApiError(0, "KIOSK_ERROR", "处理失败，请重试或联系现场工作人员")
            if failed is not None:
                failed(error)

        self.runner.submit(lambda: work(self.client), answered, went_wrong)
        return True

    @property
    def server_down(self) -> bool:
        """The banner: the server failed us (not merely: it has not answered yet, just after start)."""
        return not self.online and bool(self.offline_reason)

    def _set_online(self, online: bool, reason: str = "") -> None:
        reason = "" if online else reason or "无法连接大厅服务器"
        if online == self.online and reason == self.offline_reason:
            return
        self.online = online
        self.offline_reason = reason
        self.changed()

    # -- start and stop -----------------------------------------------------------------------------------

    def start(self) -> None:
        """Open the devices and the live feed in the background; the home screen shows at once."""
        self._threads = [
            self.runner.start_thread(partial(self.live.run, self._stop), "kiosk-live"),
            self.runner.start_thread(self._card_loop, "kiosk-cards"),
        ]
        self.health.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop every background thread (each within `timeout`), then close the devices and the client."""
        self._stop.set()
        self.checkin.reset()  # ends the camera thread
        self.devices.stop_watching()
        self.live.reconnect()  # cancels the feed's wait for a message
        self.health.stop()
        if self.speaker is not None:
            self.speaker.close()
        for thread in self._threads:
            thread.join(timeout)
            if thread.is_alive():
                log.warning("kiosk: %s did not stop in %.0f s", thread.name, timeout)
        self.health.join(timeout)
        self.runner.close()
        self.devices.close()
        self.client.close()

    def _card_loop(self) -> None:
        self.devices.open_reader()
        if self._stop.is_set():
            return
        self.devices.open_printer()
        self.runner.post(self.changed)
        if self.devices.wait_for_reader(READER_RETRY_SECONDS):
            self.devices.watch_cards(lambda event: self.runner.post(partial(self._on_card, event)))

    def _on_card(self, event: CardEvent) -> None:
        flow = self.flows.get(self.screen)
        if flow is not None and flow.on_card(event):
            self.touch()
        self.changed()

    # -- the live feed: waiting counts, and the first sign that the server is back -----------------------

    def _on_live(self, message: ServerMessage) -> None:
        if isinstance(message, SnapshotMessage):
            self.runner.post(partial(self._apply_snapshot, message.snapshot))
        elif isinstance(message, EventMessage):
            self.runner.post(partial(self._apply_waiting, message.waiting))

    def _apply_snapshot(self, snapshot: Snapshot) -> None:
        self.hall_name = snapshot.hall_name
        self.queue_closed = snapshot.queue_closed_today
        self.window_numbers = frozenset(window.number for window in snapshot.windows)
        self._set_online(True)
        self._apply_waiting(snapshot.waiting)

    def _apply_waiting(self, waiting: list[CategoryWaiting]) -> None:
        self.waiting = [Waiting(w.code, w.name, w.waiting, w.open_windows) for w in waiting]
        self.changed()


class HelpState(StrEnum):
    NONE = "none"
    SENDING = "sending"
    SENT = "sent"  # 已通知工作人员，请稍候
    FAILED = "failed"  # offline or refused: ask staff in person


def for_visitor(error: ApiError, language: Language) -> ApiError:
    """A 4xx as the visitor may read it: the hall server's own sentence for a refusal of the hall's rules
    (it says what to do), a plain Chinese one with what to do for the rest (this kiosk's credentials, a
    request the server could not read, an answer from something that is not the hall server)."""
    key = {401: "apierror.device", 403: "apierror.device", 429: "apierror.busy"}.get(error.status)
    technical = error.code in TECHNICAL_CODES or not _CJK.search(error.message)
    if key is None and not technical:
        return error
    return ApiError(error.status, error.code, tr(key or "apierror.other", language), error.detail)
