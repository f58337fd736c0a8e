"""The counter as a whole: who is signed in, which window, the visitor being served, this window's queue,
parked tickets, the clerk's figures today, the window's devices, and whether the hall server answers.

State lives here; views subscribe and re-render on `changed()`. Every method runs on the owner's thread
(hall_server.client.runner); blocking work (HTTP, devices) goes through `call_server` or the runner.

Nothing the clerk does is dropped silently or done twice: each window operation carries an idempotency
key, and when its answer is lost (the network broke after the server may have acted) the key is kept, so
pressing the same button again once the connection is back repeats the same request, which the server
does at most once. Actions that need the server are disabled while it is unreachable.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import partial
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from counter_client.config import CounterConfig
from counter_client.controller.devices import WindowDevices
from counter_client.controller.intake import IntakeController
from counter_client.controller.pickup import PickupController
from devices.errors import DeviceError
from devices.evalpad.rating import Rating, Staff
from hall_server.client import ApiError, HallClient
from hall_server.client.follower import LiveFollower
from hall_server.client.follower import offline_reason as reason_of
from hall_server.client.live import LiveFeed
from hall_server.client.runner import Runner
from hall_server.contract.auth import StaffOut
from hall_server.contract.catalogue import CategoryOut
from hall_server.contract.complaints import ComplaintIn, ComplaintOut, ComplaintSubject
from hall_server.contract.devicehealth import HealthReport
from hall_server.contract.evaluation import (
    LEVEL_NAMES,
    EvalChannel,
    EvaluationIn,
    NotEvaluatedReason,
    level_of_stars,
)
from hall_server.contract.events import EventType
from hall_server.contract.help import HelpRequestOut
from hall_server.contract.identity import IdentityIn
from hall_server.contract.live import EventMessage, ServerMessage, SnapshotMessage
from hall_server.contract.load import CategoryWaiting, Snapshot
from hall_server.contract.queue import (
    ClerkDayOut,
    IdentityCheckOut,
    ParkRequest,
    PauseReason,
    PauseRequest,
    TicketCancelRequest,
    TicketOut,
    TicketStatus,
    TransferRequest,
    WindowOperationResult,
    WindowOut,
    WindowState,
)
from kiosk.controller.devices import CardEvent
from kiosk.controller.guide import Guide, guide_of
from kiosk.controller.health import kiosk_version  # the installed yimen version

log = logging.getLogger(__name__)
T = TypeVar("T")

RECONNECT_SECONDS = 2.0
UPCOMING_SHOWN = 5
IDLE_TEXT = "欢迎光临"  # the LED screen between calls
PAUSED_TEXT = "暂停服务"
KEYPAD_BAD_TEXT = "评价器按键差评，未能选择原因，待回访了解"  # a 5-key pad has no reasons to pick

PAUSE_NAMES = {
    PauseReason.BREAK: "休息",
    PauseReason.MEETING: "开会",
    PauseReason.SYSTEM: "系统故障",
    PauseReason.OTHER: "其他",
}
OPERATION_NAMES = {
    "open": "开窗",
    "close": "关窗",
    "call-next": "叫号",
    "recall": "重呼",
    "no-show": "过号",
    "start": "开始办理",
    "complete": "办结",
    "transfer": "转移",
    "park": "挂起",
    "pause": "暂停",
    "resume": "恢复服务",
    "unpark": "恢复挂起",
    "cancel": "取消",
    "complaint": "记录投诉",
}


DONE_WORDS = {  # "A012 号" + what became of it
    "no-show": "已标记过号",
    "start": "开始办理",
    "transfer": "已转移",
    "park": "已挂起",
    "cancel": "已取消",
}
WINDOW_WORDS = {"pause": "已暂停服务", "resume": "已恢复服务", "close": "窗口已关闭"}


class Phase(StrEnum):
    SIGN_IN = "sign_in"
    PICK_WINDOW = "pick_window"
    WORK = "work"


class RatingState(StrEnum):
    NONE = "none"
    ASKING = "asking"  # the pad asks the visitor
    RATED = "rated"
    NOT_RATED = "not_rated"  # the visitor did not rate, or the pad did not answer: recorded as such
    FAILED = "failed"  # the server did not take the outcome


@dataclass(frozen=True)
class Notice:
    text: str
    error: bool = False


@dataclass(frozen=True)
class RatingStatus:
    state: RatingState
    ticket_no: str = ""
    words: str = ""


@dataclass(frozen=True)
class CardCheck:
    """The ID card read at the counter: what the server says of it against the current ticket."""

    visitor: str  # masked name and number
    matches: bool | None
    message: str
    tickets_today: tuple[str, ...]  # "A012 办理中 · 社保卡补办"


@dataclass(frozen=True)
class HelpCall:
    """请工作人员帮助 from a kiosk (or staff), shown to the clerk until someone has handled it."""

    help_id: int
    place: str
    reason: str

    @property
    def text(self) -> str:
        said = f"：{self.reason}" if self.reason else ""
        return f"{self.place} 请求工作人员帮助{said}"


@dataclass(frozen=True)
class Lists:
    window: WindowOut
    upcoming: list[TicketOut]
    parked: list[TicketOut]
    day: ClerkDayOut


class CounterController:
    def __init__(
        self,
        config: CounterConfig,
        client: HallClient,
        devices: WindowDevices,
        runner: Runner,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.config = config
        self.client = client
        self.devices = devices
        self.runner = runner
        self.clock = clock
        self.clock_offset = timedelta(0)  # the hall server's clock minus ours, from each snapshot
        self.phase = Phase.SIGN_IN
        self.staff: StaffOut | None = None
        self.window_no: int | None = config.window
        self.window: WindowOut | None = None
        self.windows: list[WindowOut] = []  # to pick one, and as transfer targets
        self.categories: list[CategoryOut] = []  # transfer targets
        self.hall_name = ""
        self.waiting: list[CategoryWaiting] = []  # this window's categories
        self.upcoming: list[TicketOut] = []
        self.parked: list[TicketOut] = []
        self.my_day: ClerkDayOut | None = None
        self.guide: Guide | None = None
        self.card: CardCheck | None = None
        self.visitor_identity: IdentityIn | None = None  # the card just read: the applicant of an intake
        self.rating = RatingStatus(RatingState.NONE)
        self.notice: Notice | None = None
        self.busy = ""  # the operation in flight ("" when none): its button shows it, the others wait
        self.online = False
        self.offline_reason = ""
        self._probing = False  # a health probe is out (or waits to go): one at a time
        self.device_warnings: list[str] = []
        self.help_calls: list[HelpCall] = []  # open ones, oldest first, as they came on the live feed
        self._help_resolved: set[int] = set()  # resolved on the feed: an older list must not revive them
        self._lost_keys: dict[tuple[str, int | None], str] = {}
        self._listeners: list[Callable[[], None]] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.live = LiveFollower(
            self._live_feed,
            self._on_live,
            lambda reason: self.runner.post(partial(self._set_online, False, reason)),
            RECONNECT_SECONDS,
        )
        self._lists_loading = False
        self._lists_dirty = False
        self._last_served: TicketOut | None = None  # a complaint just after 办结 is about this visitor
        self._generation = 0  # counts window states received from operations; older reads are dropped
        devices.on_change(lambda _kind: runner.post(self._devices_changed))
        self.pickup = PickupController(self)  # 综合出件 (counter_client/controller/pickup.py)
        self.intake = IntakeController(self)

    # -- observers ----------------------------------------------------------------------------------------

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def changed(self) -> None:
        if self._stop.is_set():
            return
        for listener in list(self._listeners):
            listener()

    def say(self, text: str, *, error: bool = False) -> None:
        self.notice = Notice(text, error)
        self.changed()

    # -- what the screen may offer ------------------------------------------------------------------------

    @property
    def current(self) -> TicketOut | None:
        return self.window.current_ticket if self.window else None

    @property
    def can_act(self) -> bool:
        return self.phase is Phase.WORK and self.online and not self.busy and self.window is not None

    def allowed(self, operation: str) -> bool:
        """Whether a button may be pressed now (the server decides in the end; this spares useless tries)."""
        if not self.can_act or self.window is None:
            return False
        state, current = self.window.state, self.current
        status = current.status if current else None
        rules = {
            "call-next": state is WindowState.OPEN and current is None,
            "recall": status is TicketStatus.CALLED,
            "no-show": status is TicketStatus.CALLED,
            "start": status is TicketStatus.CALLED,
            "complete": status in (TicketStatus.CALLED, TicketStatus.SERVING),
            "transfer": status in (TicketStatus.CALLED, TicketStatus.SERVING),
            "park": status in (TicketStatus.CALLED, TicketStatus.SERVING),
            "cancel": current is not None,
            "pause": state is WindowState.OPEN and current is None,
            "resume": state is WindowState.PAUSED,
            "unpark": state is WindowState.OPEN and current is None,
            "close": state is not WindowState.CLOSED and current is None,
            "complaint": True,
        }
        return rules.get(operation, False)

    def now(self) -> datetime:
        """The hall server's time: waits are measured on its clock, not on this PC's (which may drift)."""
        return self.clock() + self.clock_offset

    def waited_seconds(self, ticket: TicketOut) -> int:
        until = ticket.first_called_at or self.now()
        return max(0, int((until - ticket.issued_at).total_seconds()))

    def serving_seconds(self, ticket: TicketOut) -> int | None:
        if ticket.service_started_at is None:
            return None
        return max(0, int((self.now() - ticket.service_started_at).total_seconds()))

    # -- the hall server ----------------------------------------------------------------------------------

    def call_server(
        self,
        work: Callable[[HallClient], T],
        done: Callable[[T], None],
        failed: Callable[[ApiError], None] | None = None,
        lost: Callable[[Exception], None] | None = None,
    ) -> bool:
        """Run a hall server call in a worker. A 4xx goes to `failed`; a transport failure (or a 5xx) marks
        the server unreachable, reconnects the live feed, and goes to `lost` (else to `failed`)."""

        def answered(result: T) -> None:
            self._set_online(True)
            done(result)

        def went_wrong(error: Exception) -> None:
            if isinstance(error, ApiError) and error.status < 500:
                if error.status == 401 and self.phase is not Phase.SIGN_IN:
                    self._signed_out("登录已过期，请重新登录")
                    return
                if failed is not None:
                    failed(error)
                return
            if not isinstance(error, ApiError | httpx.TransportError | OSError | TimeoutError):
                log.error("counter: a hall server call failed: %s", type(error).__name__, exc_info=error)
            self._set_online(False, reason_of(error))
            self.live.reconnect()
            if self.phase is not Phase.WORK:
                self._probe(after=RECONNECT_SECONDS)  # no live feed watches the server before a window opens
            if lost is not None:
                lost(error)
            elif failed is not None:
                failed(ApiError(503, "HALL_OFFLINE", reason_of(error)))

        self.runner.submit(lambda: work(self.client), answered, went_wrong)
        return True

    def _set_online(self, online: bool, reason: str = "") -> None:
        reason = "" if online else reason or "无法连接大厅服务器"
        if (online, reason) == (self.online, self.offline_reason):
            return
        self.online = online
        self.offline_reason = reason
        self.changed()

    # -- sign in, pick a window, sign out -----------------------------------------------------------------

    def sign_in(self, login: str, password: str) -> None:
        if not login.strip() or not password:
            self.say("请输入登录名和密码", error=True)
            return
        self.busy = "sign-in"
        self.notice = None
        self.changed()
        self.call_server(
            lambda client: client.sign_in(login.strip(), password),
            self._signed_in,
            self._sign_in_failed,
            lambda _error: self._sign_in_failed(ApiError(503, "HALL_OFFLINE", self.offline_reason)),
        )

    def _signed_in(self, token: Any) -> None:
        self.client.token = token.token
        self.staff = token.staff
        self.busy = ""
        self.call_server(
            lambda client: (client.windows(), client.categories(), client.hall().name), self._got_windows
        )
        if self.window_no is not None:
            self.choose_window(self.window_no)
        else:
            self.phase = Phase.PICK_WINDOW
            self.changed()

    def _sign_in_failed(self, error: ApiError) -> None:
        self.busy = ""
        self.say(error.message or "登录失败", error=True)

    def _got_windows(self, answer: tuple[list[WindowOut], list[CategoryOut], str]) -> None:
        self.windows, self.categories, self.hall_name = answer
        self.changed()

    def choose_window(self, number: int) -> None:
        """Open window `number` on the server (or take it back if this clerk already holds it)."""
        self.window_no = number
        self.busy = "open"
        self.changed()

        def work(client: HallClient) -> WindowOut:
            window = client.window(number)
            if window.state is WindowState.CLOSED or window.staff_id != (
                self.staff.id if self.staff else None
            ):
                window = client.window_op(number, "open").window
            return window

        self.call_server(work, self._window_opened, self._open_failed, self._open_failed)

    def _window_opened(self, window: WindowOut) -> None:
        self.busy = ""
        self.window = window
        self.phase = Phase.WORK
        self.say(f"已登录 {window.number} 号窗口（{window.name}）")
        self._start_live()
        self._refresh_lists()
        self._show_on_screen()
        self._report_devices()

    def _open_failed(self, error: Exception) -> None:
        self.busy = ""
        if self.config.window is None:
            self.window_no = None
        self.phase = Phase.PICK_WINDOW if self.staff else Phase.SIGN_IN
        message = error.message if isinstance(error, ApiError) else reason_of(error)
        self.say(message, error=True)

    def sign_out(self) -> None:
        """Close the window (when it serves no one) and end the sign-in."""
        if self.current is not None:
            self.say("请先办结、转移或挂起当前办事人，再退出", error=True)
            return
        number = self.window_no if self.window and self.window.state is not WindowState.CLOSED else None
        self.busy = "sign-out"
        self.changed()

        def work(client: HallClient) -> None:
            if number is not None:
                client.window_op(number, "close")
            client.sign_out()

        self.call_server(
            work,
            lambda _: self._signed_out("已退出登录"),
            lambda error: self._signed_out(f"已退出登录（{error.message}）"),
            lambda _error: self._signed_out("已退出登录（服务器未确认，窗口将由管理员关闭）"),
        )

    def _signed_out(self, message: str) -> None:
        self._stop_live()
        self.devices_show(IDLE_TEXT)
        self.client.token = None
        self.staff = None
        self.window = None
        self.window_no = self.config.window
        self.phase = Phase.SIGN_IN
        self.busy = ""
        self.upcoming, self.parked, self.waiting = [], [], []
        self.my_day, self.guide, self.card, self.visitor_identity = None, None, None, None
        self.rating = RatingStatus(RatingState.NONE)
        self.help_calls = []
        self.say(message)

    # -- window operations --------------------------------------------------------------------------------

    def call_next(self) -> None:
        self._operate("call-next")

    def recall(self) -> None:
        self._operate("recall")

    def no_show(self) -> None:
        self._operate("no-show")

    def start_service(self) -> None:
        self._operate("start")

    def complete(self) -> None:
        self._operate("complete")

    def pause(self, reason: PauseReason, note: str = "") -> None:
        self._operate("pause", PauseRequest(reason=reason, note=note))

    def resume(self) -> None:
        self._operate("resume")

    def close_window(self) -> None:
        self._operate("close")

    def park(self, note: str) -> None:
        self._operate("park", ParkRequest(note=note))

    def transfer(
        self, *, category: str | None = None, window: int | None = None, note: str = "", back: bool = False
    ) -> None:
        if (category is None) == (window is None):
            self.say("请选择转到的业务类别或窗口", error=True)
            return
        request = TransferRequest(
            to_category_code=category, to_window_no=window, note=note, expect_return=back
        )
        self._operate("transfer", request)

    def resume_parked(self, ticket_id: int) -> None:
        self._operate("unpark", ticket_id=ticket_id)

    def cancel(self, reason: str) -> None:
        if not reason.strip():
            self.say("请填写取消原因", error=True)
            return
        self._operate("cancel", TicketCancelRequest(reason=reason.strip()))

    def record_complaint(self, subject: ComplaintSubject, text: str) -> None:
        """投诉 told at the window: bound to the visitor being served (or the one just served)."""
        if not text.strip():
            self.say("请填写投诉内容", error=True)
            return
        if not self.can_act:
            return
        ticket = self.current or self._last_served
        body = ComplaintIn(subject=subject, text=text.strip(), ticket_id=ticket.id if ticket else None)
        if ticket is None and self.window_no is not None:
            body = body.model_copy(update={"window_no": self.window_no})
        self.busy = "complaint"
        self.changed()

        def recorded(complaint: ComplaintOut) -> None:
            self.busy = ""
            about = f"（{complaint.ticket_number} 号）" if complaint.ticket_number else ""
            self.say(f"投诉已记录{about}，答复期限 {complaint.due_date:%m-%d}")

        self.call_server(
            lambda client: client.record_complaint(body),
            recorded,
            self._operation_refused,
            lambda error: self._refused_offline(error),
        )

    def _refused_offline(self, error: Exception) -> None:
        self.busy = ""
        self.say(f"{reason_of(error)}，投诉未记录，请稍后再试", error=True)

    def _operate(
        self, operation: str, body: BaseModel | None = None, *, ticket_id: int | None = None
    ) -> None:
        if not self.can_act or self.window_no is None:
            return
        number = self.window_no
        key_of = (
            operation,
            ticket_id if ticket_id is not None else (self.current.id if self.current else None),
        )
        key = self._lost_keys.get(key_of) or str(uuid.uuid4())
        self.busy = operation
        self.notice = None
        self.changed()

        def work(client: HallClient) -> WindowOperationResult:
            if operation == "unpark":
                assert ticket_id is not None
                return client.unpark(number, ticket_id, key=key)
            return client.window_op(number, operation, body, key=key)

        def done(result: WindowOperationResult) -> None:
            self._lost_keys.pop(key_of, None)
            self._operated(operation, result)

        def lost(error: Exception) -> None:
            self._lost_keys[key_of] = key
            self.busy = ""
            self.say(
                f"网络中断：{OPERATION_NAMES[operation]}是否完成未得到确认。恢复连接后请再按一次"
                "（同一操作不会重复办理）",
                error=True,
            )

        self.call_server(work, done, self._operation_refused, lost)

    def _set_window(self, window: WindowOut) -> None:
        """The window as the server has it now, read or pushed (not an answer to this clerk's action)."""
        before, shown = self.current, self.screen_text()
        self.window = window
        if self.current is None:
            self.guide = None
            if before is not None:
                self.card, self.visitor_identity = None, None
        elif before is None or before.id != self.current.id:
            self._load_guide(self.current)
        if self.screen_text() != shown:
            self._show_on_screen()

    def _operated(self, operation: str, result: WindowOperationResult) -> None:
        self.busy = ""
        self._generation += 1
        before = self.current
        self.window = result.window
        ticket = result.ticket
        if operation in ("call-next", "recall", "unpark") and ticket is not None:
            if operation == "call-next":
                self.card, self.visitor_identity = None, None
            self.say(f"请 {ticket.number} 号到 {result.window.number} 号窗口" + _times(ticket, operation))
            self._load_guide(ticket)
        elif operation == "call-next":
            self.say(result.message or "当前没有等候的号")
        elif operation == "complete" and ticket is not None:
            self._last_served = ticket
            self.say(f"{ticket.number} 号已办结")
            self._ask_rating(ticket)
        elif ticket is not None:
            self.say(f"{ticket.number} 号{DONE_WORDS.get(operation, OPERATION_NAMES[operation])}")
        else:
            self.say(WINDOW_WORDS.get(operation, f"{OPERATION_NAMES[operation]}：完成"))
        if self.current is None:
            self.guide = None
        if before is not None and self.current is None:
            self.card, self.visitor_identity = None, None
        self._show_on_screen()
        self._refresh_lists()

    def _operation_refused(self, error: ApiError) -> None:
        """A 4xx: the server's sentence says what happened (another window took the ticket, the manager
        cancelled it); the window is read again so the screen shows the truth."""
        self.busy = ""
        self.say(error.message, error=True)
        self._reload_window()

    def _reload_window(self) -> None:
        if self.window_no is None:
            return
        number = self.window_no
        self.call_server(lambda client: client.window(number), self._window_read)

    def _window_read(self, window: WindowOut) -> None:
        self._generation += 1
        self._set_window(window)
        self.changed()
        self._refresh_lists()

    # -- the current visitor's guide ----------------------------------------------------------------------

    def _load_guide(self, ticket: TicketOut) -> None:
        self.guide = None
        if ticket.matter_id is None:
            return
        matter_id = ticket.matter_id
        self.call_server(
            lambda client: client.matter(matter_id),
            lambda matter: self._guide_loaded(matter_id, guide_of(matter)),
        )

    def _guide_loaded(self, matter_id: int, guide: Guide) -> None:
        if self.current is not None and self.current.matter_id == matter_id:
            self.guide = guide
            self.changed()

    # -- lists: queue, parked, figures --------------------------------------------------------------------

    def _refresh_lists(self) -> None:
        """Read the window (its visitor may have changed by another hand), its next numbers, parked tickets
        and the clerk's day; coalesced (a burst of live events makes one read in flight and at most one more
        after it)."""
        if self.window_no is None or self.phase is not Phase.WORK:
            return
        if self._lists_loading:
            self._lists_dirty = True
            return
        self._lists_loading = True
        self._lists_dirty = False
        number = self.window_no

        generation = self._generation

        def work(client: HallClient) -> Lists:
            return Lists(
                client.window(number),
                client.upcoming(number, UPCOMING_SHOWN),
                client.parked(number),
                client.my_day(),
            )

        def done(lists: Lists) -> None:
            if generation == self._generation:  # no operation answered meanwhile with a newer window
                self._set_window(lists.window)
            self.upcoming, self.parked, self.my_day = lists.upcoming, lists.parked, lists.day
            self._lists_read()

        self.call_server(work, done, lambda _error: self._lists_read(), lambda _error: self._lists_read())

    def _lists_read(self) -> None:
        self._lists_loading = False
        self.changed()
        if self._lists_dirty:
            self._refresh_lists()

    # -- the LED screen -----------------------------------------------------------------------------------

    def screen_text(self) -> str:
        window, ticket = self.window, self.current
        if window is None or window.state is WindowState.CLOSED:
            return IDLE_TEXT
        if window.state is WindowState.PAUSED:
            return PAUSED_TEXT
        if ticket is not None and ticket.status is TicketStatus.CALLED:
            return f"请 {ticket.number} 号到 {window.number} 号窗口"
        if ticket is not None:
            return f"正在办理 {ticket.number} 号"
        return IDLE_TEXT

    def _show_on_screen(self) -> None:
        self.devices_show(self.screen_text())

    def devices_show(self, text: str) -> None:
        self.runner.submit(lambda: self.devices.show(text), lambda _ok: None, lambda _error: None)

    # -- the evaluation pad -------------------------------------------------------------------------------

    def _ask_rating(self, ticket: TicketOut) -> None:
        """After a completed service: the pad asks the visitor; the outcome (a rating, or none) goes to the
        server on the service's evaluation opportunity. Runs beside the next calls, never blocking them."""
        if self.window_no is None or self.staff is None:
            return
        number, staff = self.window_no, Staff(str(self.staff.id), self.staff.name)
        self.rating = RatingStatus(RatingState.ASKING, ticket.number, "评价器：请办事人评价")
        self.changed()

        def work() -> str:
            opportunity = self.client.window_opportunity(number)
            if opportunity is None:
                return "本次服务无评价机会"
            if opportunity.ticket_id != ticket.id:
                return "评价机会与办结的号不一致，未请求评价"
            try:
                rating = self.devices.request_rating(
                    ticket.number, staff, self.config.rating_seconds, number, ticket.matter_name or ""
                )
            except DeviceError as exc:
                reason = (
                    NotEvaluatedReason.PAD_ABSENT
                    if exc.code == "EVALPAD_ABSENT"
                    else NotEvaluatedReason.PAD_NO_ANSWER
                )
                self.client.not_evaluated(opportunity.id, reason)
                return (
                    "评价器无应答，已记录为未评价"
                    if reason is NotEvaluatedReason.PAD_NO_ANSWER
                    else ("本窗口无评价器，已记录为未评价")
                )
            if rating is None:
                self.client.not_evaluated(opportunity.id, NotEvaluatedReason.DECLINED)
                return "办事人未评价，已如实记录"
            evaluation = self.client.evaluate(opportunity.id, evaluation_of(rating))
            return f"评价：{LEVEL_NAMES[evaluation.level]}"

        def done(words: str) -> None:
            state = RatingState.RATED if words.startswith("评价：") else RatingState.NOT_RATED
            self.rating = RatingStatus(state, ticket.number, words)
            self.changed()
            self._refresh_lists()

        def failed(error: Exception) -> None:
            words = error.message if isinstance(error, ApiError) else reason_of(error)
            self.rating = RatingStatus(RatingState.FAILED, ticket.number, f"评价结果未送达：{words}")
            self.changed()

        self.runner.submit(work, done, failed)

    # -- the ID card reader -------------------------------------------------------------------------------

    def _on_card(self, event: CardEvent) -> None:
        if event.kind != "read" or event.identity is None:
            return
        if self.phase is not Phase.WORK or self.window_no is None:
            self.say("请先登录窗口再读卡", error=True)
            return
        if self.pickup.takes_card():
            self.pickup.card_read(event.identity)
            return
        number, identity = self.window_no, event.identity
        self.visitor_identity = identity
        self.call_server(
            lambda client: client.identity_check(number, identity),
            self._card_checked,
            lambda error: self.say(error.message, error=True),
        )

    def _card_checked(self, check: IdentityCheckOut) -> None:
        visitor = check.visitor
        who = " ".join(part for part in (visitor.name_masked, visitor.number_masked) if part)
        lines = tuple(
            f"{t.number} {STATUS_NAMES.get(t.status, t.status.value)} · {t.matter_name or t.category_name}"
            for t in check.tickets_today
        )
        self.card = CardCheck(who, check.matches_current, check.message, lines)
        self.changed()

    # -- the window's devices -----------------------------------------------------------------------------

    def _devices_changed(self) -> None:
        self.device_warnings = self.devices.warnings()
        self.changed()
        self._report_devices()

    def _report_devices(self) -> None:
        """Tell the server how the window's devices are (each change, and on opening the window), so the
        managers' device list shows a dead LED screen or pad; calling goes on regardless."""
        parts = self.devices.parts()
        if self.phase is not Phase.WORK or self.window_no is None or not parts:
            return
        report = HealthReport(app_version=kiosk_version(), devices=parts)
        number = self.window_no
        self.call_server(lambda client: client.report_window_health(number, report), lambda _: None)

    # -- start and stop -----------------------------------------------------------------------------------

    def start(self) -> None:
        """Open the window's devices in the background; the sign-in screen shows at once."""
        self.runner.submit(self.devices.open_all, lambda _: self._devices_opened(), self._devices_failed)
        self._probe()

    def _probe(self, after: float = 0.0) -> None:
        """Ask whether the hall server answers (after `after` seconds): on the sign-in and window screens
        no live feed watches it, so a counter started before the server would say 离线 until a click."""

        def reachable() -> None:
            if after and self._stop.wait(after):
                return
            self.client.http.get("/healthz").raise_for_status()

        if self._probing:
            return
        self._probing = True
        self.runner.submit(reachable, lambda _: self._reachable(), self._unreachable)

    def _reachable(self) -> None:
        self._probing = False
        if not self._stop.is_set():
            self._set_online(True)

    def _unreachable(self, error: Exception) -> None:
        self._probing = False
        if self._stop.is_set():
            return
        self._set_online(False, reason_of(error))
        if self.phase is not Phase.WORK:
            self._probe(after=RECONNECT_SECONDS)

    def _devices_opened(self) -> None:
        self._devices_changed()
        self.devices_show(IDLE_TEXT)
        self._threads.append(self.runner.start_thread(self._card_loop, "counter-cards"))

    def _devices_failed(self, error: Exception) -> None:
        log.error("counter: opening the devices failed: %s", error, exc_info=error)
        self._devices_changed()

    def _card_loop(self) -> None:
        self.devices.watch_cards(lambda event: self.runner.post(partial(self._on_card, event)))

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self.devices.stop()
        self._stop_live()
        for thread in self._threads:
            thread.join(timeout)
        self.runner.close()
        self.devices.close()
        self.client.close()

    # -- the live feed: this window and the hall's waiting counts ----------------------------------------

    def _start_live(self) -> None:
        self._stop_live()
        self._live_stop = threading.Event()
        self._threads.append(
            self.runner.start_thread(partial(self.live.run, self._live_stop), "counter-live")
        )

    def _stop_live(self) -> None:
        stop = getattr(self, "_live_stop", None)
        if stop is not None:
            stop.set()
        self.live.reconnect()

    def _live_feed(self) -> LiveFeed | None:
        token, number = self.client.token, self.window_no
        if token is None or number is None:
            return None
        return LiveFeed(self.config.ws_url, token, ["display", f"window:{number}"])

    def _on_live(self, message: ServerMessage) -> None:
        if isinstance(message, SnapshotMessage):
            self.runner.post(partial(self._apply_snapshot, message.snapshot))
        elif isinstance(message, EventMessage):
            self.runner.post(partial(self._apply_event, message))

    def _apply_snapshot(self, snapshot: Snapshot) -> None:
        """Connected (again): the waiting counts as they are now, then the window and the lists re-read.

        The window is not taken from the snapshot: the server may have read it before this clerk's last
        operation was committed and the feed delivered it after that operation's answer (a slow connect,
        just after 叫号). Taken as it was, it would drop the visitor just called for a moment and forget
        the card read meanwhile. The read that follows is dropped if an operation answers while it is out
        (`_generation`), so the window never goes back."""
        self.hall_name = snapshot.hall_name
        self.clock_offset = snapshot.as_of - self.clock()
        self._set_waiting(snapshot.waiting)
        self._set_online(True)
        self._refresh_lists()
        self._load_open_help()

    def _apply_event(self, message: EventMessage) -> None:
        """Waiting counts from every event; a help request raised or resolved; otherwise the window itself
        is read again (a manager or another window may have changed its visitor), once for a burst."""
        self._set_waiting(message.waiting)
        event = message.event
        if event.event_type is EventType.HELP_REQUESTED:
            self._help_raised(event.data)
        elif event.event_type is EventType.HELP_RESOLVED:
            self._help_gone(int(event.data["help_id"]))
        else:
            self._refresh_lists()

    # -- help requests (请工作人员帮助) ----------------------------------------------------------------------

    def _help_raised(self, data: dict[str, Any]) -> None:
        call = HelpCall(int(data["help_id"]), str(data["place"]), str(data.get("reason", "")))
        if all(c.help_id != call.help_id for c in self.help_calls):  # a replayed event is shown once
            self.help_calls.append(call)
            self.changed()

    def _load_open_help(self) -> None:
        """On (re)connecting: the help requests still open, raised while this counter was not following
        (signed out, offline); the live feed brings the later ones, each shown once."""

        shown_before = max((c.help_id for c in self.help_calls), default=0)

        def loaded(requests: list[HelpRequestOut]) -> None:
            still_open = {h.id for h in requests}
            # shown before and resolved while away: gone; raised on the feed since the list was asked: kept
            known = [c for c in self.help_calls if c.help_id in still_open or c.help_id > shown_before]
            for request in sorted(requests, key=lambda h: (h.requested_at, h.id)):
                if request.id in self._help_resolved:  # the list was read before it was resolved
                    continue
                if all(c.help_id != request.id for c in known):
                    known.append(HelpCall(request.id, request.place, request.reason))
            self.help_calls = known
            self.changed()

        self.call_server(lambda client: client.help_requests(open_only=True), loaded, lambda _error: None)

    def _help_gone(self, help_id: int) -> None:
        self._help_resolved.add(help_id)
        self.help_calls = [c for c in self.help_calls if c.help_id != help_id]
        self.changed()

    def resolve_help(self, help_id: int) -> None:
        """已处理: this clerk has gone to the visitor. Resolved by someone else first, it simply goes."""

        def refused(error: ApiError) -> None:
            if error.code == "HELP_ALREADY_RESOLVED":
                self._help_gone(help_id)
            self.say(error.message, error=True)

        self.call_server(
            lambda client: client.resolve_help(help_id, "窗口工作人员已处理"),
            lambda _: self._help_gone(help_id),
            refused,
        )

    def _set_waiting(self, waiting: list[CategoryWaiting]) -> None:
        codes = set(self.window.category_codes) if self.window else set()
        self.waiting = [w for w in waiting if w.code in codes]
        self.changed()


STATUS_NAMES = {
    TicketStatus.WAITING: "等候中",
    TicketStatus.CALLED: "叫号中",
    TicketStatus.SERVING: "办理中",
    TicketStatus.PARKED: "挂起",
    TicketStatus.DONE: "已办结",
    TicketStatus.NO_SHOW: "过号",
    TicketStatus.CANCELLED: "已取消",
}


def evaluation_of(rating: Rating) -> EvaluationIn:
    """The pad's rating as the server takes it. A keypad 差评 has no reason to pick: the text says so (the
    follow-up collects it); it is never turned into a better level or dropped."""
    text = rating.comment
    if rating.is_bad and not rating.indicators and not text.strip():
        text = KEYPAD_BAD_TEXT
    return EvaluationIn(
        level=level_of_stars(rating.level.stars),
        channel=EvalChannel.WINDOW_PAD,
        indicator_codes=list(rating.indicators),
        text=text,
        follow_up=False,  # the pad rates the service just ended; a 追评 comes later, elsewhere
    )


def _times(ticket: TicketOut, operation: str) -> str:
    if operation == "recall":
        return f"（第 {ticket.call_count} 次呼叫）"
    return ""
