from __future__ import annotations

import time
import uuid
from datetime import date
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter

from hall_server.contract.alerts import AlertAcknowledgeIn, AlertOut, ThresholdIn, ThresholdOut
from hall_server.contract.appointments import (
    AppointmentCancelRequest,
    AppointmentOut,
    AppointmentSearch,
    BookRequest,
    CheckInRequest,
    CheckInResult,
    RescheduleRequest,
    SlotGenerateIn,
    SlotIn,
    SlotOut,
)
from hall_server.contract.auth import (
    DeviceIn,
    DeviceRegistered,
    LoginRequest,
    StaffHallsIn,
    StaffHallsOut,
    StaffIn,
    StaffOut,
    TokenOut,
    WhoAmI,
)
from hall_server.contract.base import ErrorBody
from hall_server.contract.cases import (
    AcceptedOut,
    AgentIn,
    AttachmentOut,
    BackofficeCaseOut,
    CaseOpenIn,
    CaseOut,
    CaseQueryIn,
    CaseResultOut,
    CaseStatus,
    ConcludeIn,
    MailIn,
    MaterialsIn,
    NotAcceptedIn,
    PickupIn,
    PublicCaseOut,
    QueryPasswordOut,
    QueuePage,
    ResultReadyIn,
    ReturnForCorrectionIn,
    SpecialEndIn,
    SpecialStartIn,
    StepIn,
    Warning,
)
from hall_server.contract.catalogue import (
    CategoryIn,
    CategoryOut,
    HallMatterIn,
    HallMatterOut,
    MatterIn,
    MatterOut,
    MatterSummary,
)
from hall_server.contract.chain import ChainVerifyOut
from hall_server.contract.complaints import (
    AnswerIn,
    ComplaintCloseIn,
    ComplaintIn,
    ComplaintOut,
    ComplaintQuery,
    ComplaintSettingsIn,
    ComplaintSettingsOut,
    FollowComplaintIn,
    HotlineBatchIn,
    HotlineImportOut,
    PublicComplaintOut,
    ReopenIn,
    RouteIn,
)
from hall_server.contract.departments import DepartmentIn, DepartmentMembersIn, DepartmentOut
from hall_server.contract.devicehealth import DeviceHealthOut, HealthReport
from hall_server.contract.displays import DisplayProfileIn, DisplayProfileOut, NoticeIn
from hall_server.contract.evaluation import (
    EvaluationIn,
    EvaluationOut,
    FollowEvaluationIn,
    NotEvaluatedIn,
    NotEvaluatedReason,
    OpportunityOut,
    PublicOpportunityOut,
)
from hall_server.contract.evaluation_figures import FiguresGroup, FiguresOut
from hall_server.contract.evaluation_rules import DefaultRuleIn, DefaultRuleOut, DefaultRunOut, IndicatorOut
from hall_server.contract.followups import (
    AppealIn,
    AssignIn,
    CloseIn,
    FollowupOut,
    FollowupSettingsIn,
    FollowupSettingsOut,
    RectifyIn,
    ReplyIn,
    ReviewIn,
    RevisitIn,
    VerifyIn,
)
from hall_server.contract.halls import HallIn, HallOut, HallSummary
from hall_server.contract.help import HelpRequestIn, HelpRequestOut, HelpResolveIn
from hall_server.contract.identity import IdentityIn
from hall_server.contract.joint import (
    JointAcceptedOut,
    JointCaseOpenIn,
    JointCaseOut,
    JointMatterIn,
    JointMatterOut,
)
from hall_server.contract.load import LoadOut
from hall_server.contract.queue import (
    ClerkDayOut,
    DeliveryMethod,
    DeliveryReport,
    IdentityCheckOut,
    IssueTicketRequest,
    ParkRequest,
    PauseRequest,
    PublicTicketOut,
    TicketCancelRequest,
    TicketOut,
    TicketQuery,
    TransferRequest,
    WindowCategoriesIn,
    WindowIn,
    WindowOperationResult,
    WindowOut,
)
from hall_server.contract.stats import ExportFormat, HourlyOut, StatsGroup, StatsOut
from hall_server.contract.trace import TraceOut
from hall_server.contract.workdays import WorkdaysYearIn, WorkdaysYearOut

T = TypeVar("T")
API = "/api/v1"
# Requests the server answers the same however often they arrive: repeated after a timeout or a cut.
REPEATABLE_METHODS = frozenset({"GET", "PUT", "DELETE"})
IDEMPOTENCY_KEY = "Idempotency-Key"


class ApiError(Exception):
    """A 4xx/5xx answer: `code` for programs, `message` (Chinese) for people."""

    def __init__(self, status: int, code: str, message: str, detail: object | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail


def _in_progress(response: httpx.Response) -> bool:
    """The same key is still being worked on (the first try outlived our timeout): ask again shortly."""
    return response.status_code == 409 and b"IDEMPOTENCY_IN_PROGRESS" in response.content


class HallClient:
    """Every state-changing POST carries a fresh Idempotency-Key; after a timeout or a cut connection the
    request is sent again with the same key (at most `retries` times), so the server does it once and a
    kiosk never prints two tickets for one press."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        retries: int = 2,
        retry_delay: float = 0.2,
        hall: str | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.hall_code = hall  # a regional account: the hall (code) it acts in (header X-Yimen-Hall)
        self.retries = retries
        self.retry_delay = retry_delay
        self.http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport)

    @classmethod
    def login(cls, base_url: str, login: str, password: str, **kwargs: Any) -> HallClient:
        client = cls(base_url, **kwargs)
        client.token = client.sign_in(login, password).token
        return client

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> HallClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _call(
        self,
        method: str,
        path: str,
        result: type[T] | Any,
        body: BaseModel | None = None,
        params: dict[str, Any] | None = None,
        *,
        once: bool = False,
        key: str | None = None,
    ) -> T:
        """`once`: a POST the server must do only once: sent with a key, and repeated with the same key.
        `key`: the caller's own key, to repeat an operation whose answer it never got (done at most once)."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        if self.hall_code:
            headers["X-Yimen-Hall"] = self.hall_code
        if once:
            headers[IDEMPOTENCY_KEY] = key or str(uuid.uuid4())
        content = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            content = body.model_dump_json()
        request = self.http.build_request(method, API + path, headers=headers, params=params, content=content)
        response = self._checked(self._send(request, repeatable=once or method in REPEATABLE_METHODS))
        if result is None:
            return None  # type: ignore[return-value]
        parsed: T = TypeAdapter(result).validate_json(response.content)
        return parsed

    @staticmethod
    def _checked(response: httpx.Response) -> httpx.Response:
        if response.status_code >= 400:
            try:
                error = ErrorBody.model_validate_json(response.content)
            except ValueError:
                raise ApiError(response.status_code, "HTTP_ERROR", response.text[:200]) from None
            raise ApiError(response.status_code, error.code, error.message, error.detail)
        return response

    def _download(self, path: str, params: dict[str, Any]) -> httpx.Response:
        """A GET whose answer is a file, not JSON."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        request = self.http.build_request("GET", API + path, headers=headers, params=params)
        return self._checked(self._send(request, repeatable=True))

    def _send(self, request: httpx.Request, *, repeatable: bool) -> httpx.Response:
        attempt = 0
        while True:
            try:
                response = self.http.send(request)
            except httpx.TransportError:
                if not repeatable or attempt >= self.retries:
                    raise
            else:
                if not (repeatable and _in_progress(response)) or attempt >= self.retries:
                    return response
            attempt += 1
            time.sleep(self.retry_delay * attempt)

    # auth
    def sign_in(self, login: str, password: str) -> TokenOut:
        return self._call("POST", "/auth/login", TokenOut, LoginRequest(login=login, password=password))

    def sign_out(self) -> None:
        self._call("POST", "/auth/logout", None)

    def whoami(self) -> WhoAmI:
        return self._call("GET", "/auth/me", WhoAmI)

    def create_staff(self, staff: StaffIn) -> StaffOut:
        return self._call("POST", "/auth/staff", StaffOut, staff, once=True)

    def staff_halls(self, login: str) -> StaffHallsOut:
        return self._call("GET", f"/auth/staff/{login}/halls", StaffHallsOut)

    def set_staff_halls(self, login: str, halls: list[str]) -> StaffHallsOut:
        return self._call("PUT", f"/auth/staff/{login}/halls", StaffHallsOut, StaffHallsIn(halls=halls))

    def register_device(self, device: DeviceIn) -> DeviceRegistered:
        return self._call("POST", "/auth/devices", DeviceRegistered, device)

    # hall
    def hall(self) -> HallOut:
        return self._call("GET", "/hall", HallOut)

    def configure_hall(self, hall: HallIn) -> HallOut:
        return self._call("PUT", "/hall", HallOut, hall)

    def end_day(self) -> dict[str, int]:
        return self._call("POST", "/hall/end-day", dict[str, int], once=True)

    def reopen_day(self) -> HallOut:
        return self._call("POST", "/hall/reopen-day", HallOut, once=True)

    def load(self) -> LoadOut:
        return self._call("GET", "/load", LoadOut)

    def trace(self, kind: str, key: int | str) -> TraceOut:
        return self._call("GET", f"/trace/{kind}/{key}", TraceOut)

    def verify_events(self) -> ChainVerifyOut:
        return self._call("GET", "/events/verify", ChainVerifyOut)

    # catalogue
    def categories(self) -> list[CategoryOut]:
        return self._call("GET", "/categories", list[CategoryOut])

    def save_category(self, category: CategoryIn) -> CategoryOut:
        return self._call("PUT", f"/categories/{category.code}", CategoryOut, category)

    def matters(
        self, q: str = "", category: str | None = None, high_frequency: bool | None = None
    ) -> list[MatterSummary]:
        params: dict[str, Any] = {"q": q}
        if category:
            params["category"] = category
        if high_frequency is not None:
            params["high_frequency"] = str(high_frequency).lower()
        return self._call("GET", "/matters", list[MatterSummary], params=params)

    def matter(self, matter_id: int) -> MatterOut:
        return self._call("GET", f"/matters/{matter_id}", MatterOut)

    def save_matter(self, matter: MatterIn) -> MatterOut:
        """Import into the regional catalogue and offer it in this hall."""
        return self._call("PUT", "/matters", MatterOut, matter)

    def hall_matters(self, *, include_unoffered: bool = False) -> list[HallMatterOut]:
        params = {"include_unoffered": "true"} if include_unoffered else None
        return self._call("GET", "/hall/matters", list[HallMatterOut], params=params)

    def offer_matter(self, matter_id: int, offer: HallMatterIn) -> HallMatterOut:
        return self._call("PUT", f"/hall/matters/{matter_id}", HallMatterOut, offer)

    def withdraw_matter(self, matter_id: int) -> None:
        self._call("DELETE", f"/hall/matters/{matter_id}", None)

    def halls(self) -> list[HallSummary]:
        """The halls this account may see, with their live load in brief."""
        return self._call("GET", "/halls", list[HallSummary])

    # tickets
    def issue_ticket(self, request: IssueTicketRequest) -> TicketOut:
        return self._call("POST", "/tickets", TicketOut, request, once=True)

    def confirm_delivery(self, ticket_id: int, method: DeliveryMethod, fault: str | None = None) -> TicketOut:
        """After printing a ticket issued with delivery=PENDING: PRINTED, SCREEN_ONLY or NOT_TAKEN."""
        report = DeliveryReport(method=method, fault=fault)
        return self._call("POST", f"/tickets/{ticket_id}/delivery", TicketOut, report, once=True)

    def ticket(self, ticket_id: int) -> TicketOut:
        return self._call("GET", f"/tickets/{ticket_id}", TicketOut)

    def ticket_by_follow_code(self, code: str) -> TicketOut:
        return self._call("GET", f"/tickets/follow/{code}", TicketOut)

    def public_ticket(self, code: str) -> PublicTicketOut:
        return self._call("GET", f"/public/tickets/{code}", PublicTicketOut)

    def tickets_of(self, identity: IdentityIn) -> list[TicketOut]:
        return self._call("POST", "/tickets/lookup", list[TicketOut], TicketQuery(identity=identity))

    def requeue(self, ticket_id: int) -> TicketOut:
        return self._call("POST", f"/tickets/{ticket_id}/requeue", TicketOut, once=True)

    def cancel_ticket(self, ticket_id: int, reason: str) -> TicketOut:
        return self._call(
            "POST", f"/tickets/{ticket_id}/cancel", TicketOut, TicketCancelRequest(reason=reason), once=True
        )

    # device health
    def report_health(self, report: HealthReport) -> DeviceHealthOut:
        """Devices, periodically: app version and the state of each part; answers what was stored."""
        return self._call("POST", "/devices/health", DeviceHealthOut, report, once=True)

    def report_window_health(self, number: int, report: HealthReport) -> DeviceHealthOut:
        """The counter app, with the clerk's sign-in: the state of its window's devices."""
        return self._call("POST", f"/windows/{number}/devices/health", DeviceHealthOut, report, once=True)

    def device_health(self) -> list[DeviceHealthOut]:
        return self._call("GET", "/devices/health", list[DeviceHealthOut])

    # help requests (请工作人员帮助)
    def request_help(self, reason: str = "", place: str = "") -> HelpRequestOut:
        """From a kiosk (its name is the place) or staff (give the place)."""
        body = HelpRequestIn(reason=reason, place=place)
        return self._call("POST", "/help-requests", HelpRequestOut, body, once=True)

    def resolve_help(self, help_id: int, note: str = "") -> HelpRequestOut:
        body = HelpResolveIn(note=note)
        return self._call("POST", f"/help-requests/{help_id}/resolve", HelpRequestOut, body, once=True)

    def help_requests(self, *, open_only: bool = False) -> list[HelpRequestOut]:
        params = {"open": "true"} if open_only else None
        return self._call("GET", "/help-requests", list[HelpRequestOut], params=params)

    # the hall screens: notice line and display profiles
    def post_notice(self, text: str) -> HallOut:
        """The notice line of every hall screen (empty takes it down); managers."""
        return self._call("PUT", "/hall/notice", HallOut, NoticeIn(text=text))

    def display_profiles(self) -> list[DisplayProfileOut]:
        return self._call("GET", "/display-profiles", list[DisplayProfileOut])

    def display_profile(self, name: str) -> DisplayProfileOut:
        """'hall' (the whole hall) always exists; displays read their own profile."""
        return self._call("GET", f"/display-profiles/{name}", DisplayProfileOut)

    def save_display_profile(self, name: str, profile: DisplayProfileIn) -> DisplayProfileOut:
        return self._call("PUT", f"/display-profiles/{name}", DisplayProfileOut, profile)

    # load thresholds and alerts (managers)
    def thresholds(self) -> list[ThresholdOut]:
        return self._call("GET", "/thresholds", list[ThresholdOut])

    def save_threshold(self, scope: str, threshold: ThresholdIn) -> ThresholdOut:
        """scope: 'hall' or a category code."""
        return self._call("PUT", f"/thresholds/{scope}", ThresholdOut, threshold)

    def alerts(self, *, open_only: bool = False) -> list[AlertOut]:
        """Newest first; `open_only`: those whose condition still holds."""
        params = {"open": "true"} if open_only else None
        return self._call("GET", "/alerts", list[AlertOut], params=params)

    def acknowledge_alert(self, alert_id: int, note: str = "") -> AlertOut:
        body = AlertAcknowledgeIn(note=note)
        return self._call("POST", f"/alerts/{alert_id}/acknowledge", AlertOut, body, once=True)

    # statistics
    @staticmethod
    def _stats_params(date_from: date | None, date_to: date | None, group: StatsGroup) -> dict[str, Any]:
        params: dict[str, Any] = {"group": group.value}
        if date_from is not None:
            params["date_from"] = date_from.isoformat()
        if date_to is not None:
            params["date_to"] = date_to.isoformat()
        return params

    def stats(
        self,
        date_from: date | None = None,
        date_to: date | None = None,
        group: StatsGroup = StatsGroup.DAY,
    ) -> StatsOut:
        """Figures of the service days date_from..date_to (default: this month so far) by `group`."""
        return self._call("GET", "/stats", StatsOut, params=self._stats_params(date_from, date_to, group))

    def export_stats(
        self,
        fmt: ExportFormat = ExportFormat.CSV,
        date_from: date | None = None,
        date_to: date | None = None,
        group: StatsGroup = StatsGroup.DAY,
    ) -> bytes:
        """The same figures as a CSV (UTF-8 with BOM) or XLSX file."""
        params = {**self._stats_params(date_from, date_to, group), "format": fmt.value}
        return self._download("/stats/export", params).content

    def hourly(self, day: date | None = None) -> HourlyOut:
        """One service day (default: today) by local hour."""
        params = {"day": day.isoformat()} if day else None
        return self._call("GET", "/stats/hourly", HourlyOut, params=params)

    def hourly_svg(self, day: date | None = None) -> str:
        """The same day as an SVG chart to inline in a page."""
        return self._download("/stats/hourly.svg", {"day": day.isoformat()} if day else {}).text

    # windows
    def windows(self) -> list[WindowOut]:
        return self._call("GET", "/windows", list[WindowOut])

    def window(self, number: int) -> WindowOut:
        return self._call("GET", f"/windows/{number}", WindowOut)

    def save_window(self, window: WindowIn) -> WindowOut:
        return self._call("PUT", f"/windows/{window.number}", WindowOut, window)

    def set_window_categories(self, number: int, category_codes: list[str]) -> WindowOut:
        return self._call(
            "PUT",
            f"/windows/{number}/categories",
            WindowOut,
            WindowCategoriesIn(category_codes=category_codes),
        )

    def window_op(
        self, number: int, operation: str, body: BaseModel | None = None, *, key: str | None = None
    ) -> WindowOperationResult:
        """operation: open, close, call-next, recall, no-show, start, complete, pause, resume, transfer, park.
        `key`: the Idempotency-Key of an earlier try whose answer was lost, so the server does it once."""
        return self._call(
            "POST", f"/windows/{number}/{operation}", WindowOperationResult, body, once=True, key=key
        )

    def call_next(self, number: int) -> WindowOperationResult:
        return self.window_op(number, "call-next")

    def transfer(self, number: int, request: TransferRequest) -> WindowOperationResult:
        return self.window_op(number, "transfer", request)

    def pause(self, number: int, request: PauseRequest | None = None) -> WindowOperationResult:
        return self.window_op(number, "pause", request or PauseRequest())

    def park(self, number: int, request: ParkRequest | None = None) -> WindowOperationResult:
        """挂起 the window's current visitor; the window is free to call the next."""
        return self.window_op(number, "park", request or ParkRequest())

    def unpark(self, number: int, ticket_id: int, *, key: str | None = None) -> WindowOperationResult:
        """Resume a ticket this window parked: it becomes the window's current (called) ticket."""
        return self._call(
            "POST", f"/windows/{number}/parked/{ticket_id}/resume", WindowOperationResult, once=True, key=key
        )

    def upcoming(self, number: int, limit: int = 5) -> list[TicketOut]:
        """The next tickets this window would call, in calling order."""
        return self._call("GET", f"/windows/{number}/queue", list[TicketOut], params={"limit": limit})

    def parked(self, number: int) -> list[TicketOut]:
        return self._call("GET", f"/windows/{number}/parked", list[TicketOut])

    def identity_check(self, number: int, identity: IdentityIn) -> IdentityCheckOut:
        """The visitor's ID card against the window's current ticket (the number travels in the body)."""
        return self._call("POST", f"/windows/{number}/identity-check", IdentityCheckOut, identity)

    def my_day(self) -> ClerkDayOut:
        """The signed-in clerk's figures today."""
        return self._call("GET", "/staff/me/today", ClerkDayOut)

    # 好差评 (evaluation)
    def window_opportunity(self, number: int) -> OpportunityOut | None:
        """The evaluation opportunity of the window's last completed service, if still open."""
        return self._call("GET", f"/windows/{number}/opportunity", OpportunityOut | None)

    def evaluate(self, opportunity_id: int, evaluation: EvaluationIn) -> EvaluationOut:
        """A first evaluation, or the one 追评 if the first exists."""
        return self._call(
            "POST", f"/opportunities/{opportunity_id}/evaluations", EvaluationOut, evaluation, once=True
        )

    def not_evaluated(self, opportunity_id: int, reason: NotEvaluatedReason) -> OpportunityOut:
        """The visitor did not rate, or the pad did not answer: recorded as such, never as a rating."""
        return self._call(
            "POST",
            f"/opportunities/{opportunity_id}/not-evaluated",
            OpportunityOut,
            NotEvaluatedIn(reason=reason),
            once=True,
        )

    def ticket_opportunities(self, ticket_id: int) -> list[OpportunityOut]:
        """Every service contact of a ticket that may be evaluated (一次一评), with its evaluations."""
        return self._call("GET", f"/tickets/{ticket_id}/opportunities", list[OpportunityOut])

    def services_of_follow_code(self, code: str) -> list[PublicOpportunityOut]:
        """The follow page's 评价: the ticket's services (no sign-in: the follow code is the credential)."""
        return self._call("GET", f"/public/tickets/{code}/opportunities", list[PublicOpportunityOut])

    def rate_by_follow_code(self, code: str, opportunity_id: int, body: FollowEvaluationIn) -> EvaluationOut:
        return self._call(
            "POST", f"/public/tickets/{code}/opportunities/{opportunity_id}/evaluations", EvaluationOut, body
        )

    def opportunities_of_visitor(self, identity: IdentityIn) -> list[OpportunityOut]:
        """Services the visitor received today that can still be rated (kiosk, by ID card)."""
        return self._call(
            "POST", "/opportunities/lookup", list[OpportunityOut], TicketQuery(identity=identity)
        )

    # 差评整改 (bad-review follow-ups)
    def departments(self) -> list[DepartmentOut]:
        """进驻部门, with their windows and staff (every staff member may read them to route work)."""
        return self._call("GET", "/departments", list[DepartmentOut])

    def save_department(self, code: str, body: DepartmentIn) -> DepartmentOut:
        return self._call("PUT", f"/departments/{code}", DepartmentOut, body)

    def set_department_members(self, code: str, body: DepartmentMembersIn) -> DepartmentOut:
        """Replaces the department's windows and staff; those listed leave any other department."""
        return self._call("PUT", f"/departments/{code}/members", DepartmentOut, body)

    def workdays(self, year: int) -> WorkdaysYearOut:
        """The year's holidays and 调休上班 days as the hall counts deadlines on them."""
        return self._call("GET", f"/workdays/{year}", WorkdaysYearOut)

    def save_workdays(self, year: int, body: WorkdaysYearIn) -> WorkdaysYearOut:
        """Managers: replaces the year (the shipped file stays, unused while the edit exists)."""
        return self._call("PUT", f"/workdays/{year}", WorkdaysYearOut, body)

    def followup_settings(self) -> FollowupSettingsOut:
        return self._call("GET", "/followups/settings", FollowupSettingsOut)

    def save_followup_settings(self, body: FollowupSettingsIn) -> FollowupSettingsOut:
        return self._call("PUT", "/followups/settings", FollowupSettingsOut, body)

    def followups(self, **filters: Any) -> list[FollowupOut]:
        """Filters: status, overdue, warning, window_no, staff_id, department_code, date_from, date_to."""
        return self._call("GET", "/followups", list[FollowupOut], params=_query(filters))

    def followup(self, followup_id: int) -> FollowupOut:
        return self._call("GET", f"/followups/{followup_id}", FollowupOut)

    def export_followups(self, **filters: Any) -> bytes:
        """The list as a CSV (UTF-8 with BOM, Chinese headers)."""
        return self._download("/followups/export", _query(filters)).content

    def followup_step(
        self,
        followup_id: int,
        step: str,
        body: AssignIn | VerifyIn | RectifyIn | ReplyIn | RevisitIn | AppealIn | ReviewIn | CloseIn,
    ) -> FollowupOut:
        """step: assign, verify, rectify, reply, revisit, appeal, review or close."""
        return self._call("POST", f"/followups/{followup_id}/{step}", FollowupOut, body, once=True)

    def evaluation_figures(
        self,
        date_from: date | None = None,
        date_to: date | None = None,
        group: FiguresGroup = FiguresGroup.DAY,
    ) -> FiguresOut:
        """评价指标 of the service days date_from..date_to (default: this month so far) by `group`."""
        params: dict[str, Any] = {"group": group.value}
        if date_from is not None:
            params["date_from"] = date_from.isoformat()
        if date_to is not None:
            params["date_to"] = date_to.isoformat()
        return self._call("GET", "/evaluation/figures", FiguresOut, params=params)

    def evaluation_indicators(self) -> list[IndicatorOut]:
        return self._call("GET", "/evaluation/indicators", list[IndicatorOut])

    def default_rule(self) -> DefaultRuleOut:
        return self._call("GET", "/evaluation/default-rule", DefaultRuleOut)

    def save_default_rule(self, rule: DefaultRuleIn) -> DefaultRuleOut:
        return self._call("PUT", "/evaluation/default-rule", DefaultRuleOut, rule)

    def run_default_rule(self) -> DefaultRunOut:
        """Apply the default-evaluation rule now to one batch of due contacts."""
        return self._call("POST", "/evaluation/default-rule/run", DefaultRunOut, once=True)

    # 投诉 (complaints)
    # --- 办件 (intake at the window) ---

    def open_case(self, body: CaseOpenIn) -> CaseOut:
        """收件: the form prefilled (card, earlier cases), the checklist with reusable materials marked."""
        return self._call("POST", "/cases", CaseOut, body, once=True)

    def get_case(self, case_id: int) -> CaseOut:
        return self._call("GET", f"/cases/{case_id}", CaseOut)

    def receive_materials(self, case_id: int, body: MaterialsIn) -> CaseOut:
        return self._call("POST", f"/cases/{case_id}/materials", CaseOut, body, once=True)

    def attach_material(
        self, case_id: int, material_id: int, content: bytes, media_type: str
    ) -> AttachmentOut:
        """附件: a scan or photo (image/jpeg, image/png, application/pdf) of a checklist line, as the raw
        body; sent with an Idempotency-Key and repeated with it, so a retry does not attach it twice."""
        headers = {"Content-Type": media_type, IDEMPOTENCY_KEY: str(uuid.uuid4())}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.hall_code:
            headers["X-Yimen-Hall"] = self.hall_code
        path = f"{API}/cases/{case_id}/materials/{material_id}/attachments"
        request = self.http.build_request("POST", path, headers=headers, content=content)
        response = self._checked(self._send(request, repeatable=True))
        return AttachmentOut.model_validate_json(response.content)

    def case_attachments(self, case_id: int) -> list[AttachmentOut]:
        """The case's attachments, metadata only."""
        return self._call("GET", f"/cases/{case_id}/attachments", list[AttachmentOut])

    def download_attachment(self, case_id: int, attachment_id: int) -> bytes:
        """The attachment's content, decrypted by the server."""
        return self._download(f"/cases/{case_id}/attachments/{attachment_id}", {}).content

    def remove_attachment(self, case_id: int, attachment_id: int) -> None:
        """Before 受理 only."""
        self._call("DELETE", f"/cases/{case_id}/attachments/{attachment_id}", None)

    def accept_case(self, case_id: int) -> AcceptedOut:
        """受理: the case number and the query password (shown this once, for the receipt)."""
        return self._call("POST", f"/cases/{case_id}/accept", AcceptedOut)

    def renew_query_password(self, case_id: int) -> QueryPasswordOut:
        """A new query password for an accepted case; the earlier one stops working."""
        return self._call("POST", f"/cases/{case_id}/query-password", QueryPasswordOut)

    def require_correction(self, case_id: int) -> CaseOut:
        """一次性告知: the case waits in 补齐补正 with everything missing listed."""
        return self._call("POST", f"/cases/{case_id}/correction-notice", CaseOut, once=True)

    def refuse_case(self, case_id: int, body: NotAcceptedIn) -> CaseOut:
        """不予受理, with the reason."""
        return self._call("POST", f"/cases/{case_id}/not-accepted", CaseOut, body, once=True)

    def get_case_result(self, case_id: int) -> CaseResultOut:
        return self._call("GET", f"/cases/{case_id}/result", CaseResultOut)

    def find_case_result(self, local_case_no: str) -> CaseResultOut:
        """A case's result by its case number (from the 受理回执)."""
        return self._call("GET", "/case-results", CaseResultOut, params={"local_case_no": local_case_no})

    def record_case_agent(self, case_id: int, body: AgentIn) -> CaseResultOut:
        """An authorised agent who may pick the result up (name and number from the card)."""
        return self._call("POST", f"/cases/{case_id}/agents", CaseResultOut, body, once=True)

    def result_ready(self, case_id: int, body: ResultReadyIn) -> CaseResultOut:
        """The result is at the 综合出件 window (or to be mailed); the applicant is notified."""
        return self._call("POST", f"/cases/{case_id}/result/ready", CaseResultOut, body, once=True)

    def pick_up_result(self, case_id: int, body: PickupIn, window: int | None = None) -> CaseResultOut:
        """领取 with the card read; a card of neither applicant nor agent: 403 PICKUP_IDENTITY_MISMATCH."""
        params = {"window": window} if window is not None else None
        return self._call("POST", f"/cases/{case_id}/result/pickup", CaseResultOut, body, params, once=True)

    def mail_result(self, case_id: int, body: MailIn) -> CaseResultOut:
        """寄送 (表15): carrier, waybill, date, receiver."""
        return self._call("POST", f"/cases/{case_id}/result/mail", CaseResultOut, body, once=True)

    def joint_matters(self) -> list[JointMatterOut]:
        return self._call("GET", "/joint-matters", list[JointMatterOut])

    def joint_matter(self, code: str) -> JointMatterOut:
        return self._call("GET", f"/joint-matters/{code}", JointMatterOut)

    def save_joint_matter(self, code: str, body: JointMatterIn) -> JointMatterOut:
        """Define a 一件事 over matters this hall offers (422 JOINT_MEMBER_NOT_OFFERED otherwise)."""
        return self._call("PUT", f"/joint-matters/{code}", JointMatterOut, body)

    def delete_joint_matter(self, code: str) -> None:
        self._call("DELETE", f"/joint-matters/{code}", None)

    def open_joint_case(self, body: JointCaseOpenIn) -> JointCaseOut:
        """收件 of a 一件事: one form, one de-duplicated checklist, one child case per member."""
        return self._call("POST", "/joint-cases", JointCaseOut, body, once=True)

    def get_joint_case(self, joint_case_id: int) -> JointCaseOut:
        return self._call("GET", f"/joint-cases/{joint_case_id}", JointCaseOut)

    def find_joint_case(self, number: str) -> JointCaseOut:
        """A joint case by the 收件编号 on its one-time notice (its id) or by its joint case number."""
        return self._call("GET", f"/joint-cases/by-number/{quote(number, safe='')}", JointCaseOut)

    def receive_joint_materials(self, joint_case_id: int, body: MaterialsIn) -> JointCaseOut:
        return self._call("POST", f"/joint-cases/{joint_case_id}/materials", JointCaseOut, body, once=True)

    def require_joint_correction(self, joint_case_id: int) -> JointCaseOut:
        """一次性告知 over every member at once."""
        return self._call("POST", f"/joint-cases/{joint_case_id}/correction-notice", JointCaseOut, once=True)

    def accept_joint_case(self, joint_case_id: int) -> JointAcceptedOut:
        """One number and one query password (shown this once); every child accepted."""
        return self._call("POST", f"/joint-cases/{joint_case_id}/accept", JointAcceptedOut)

    def renew_joint_query_password(self, joint_case_id: int) -> QueryPasswordOut:
        """A new query password for an accepted joint case and its children; the earlier one stops working."""
        return self._call("POST", f"/joint-cases/{joint_case_id}/query-password", QueryPasswordOut)

    def refuse_joint_case(self, joint_case_id: int, body: NotAcceptedIn) -> JointCaseOut:
        """不予受理 of the whole 一件事, with the reason: every child refused."""
        return self._call("POST", f"/joint-cases/{joint_case_id}/not-accepted", JointCaseOut, body, once=True)

    def follow_cases(self, code: str) -> list[PublicCaseOut]:
        """The follow page's 办件进度 (no sign-in): the cases opened from the ticket of `code`."""
        return self._call("GET", f"/public/tickets/{code}/cases", list[PublicCaseOut])

    def query_case(self, body: CaseQueryIn) -> PublicCaseOut:
        """The visitor's query (kiosk): case number + query password; 429 CASE_QUERY_LOCKED after tries."""
        return self._call("POST", "/case-query", PublicCaseOut, body)

    def public_case_query(self, body: CaseQueryIn) -> PublicCaseOut:
        """The case progress page's query (no sign-in): like query_case, also throttled per address."""
        return self._call("POST", "/public/case-query", PublicCaseOut, body)

    # --- the back office (后台分类审批) ---

    def backoffice_queue(
        self,
        status: CaseStatus | None = None,
        warning: Warning | None = None,
        department: str | None = None,
        offset: int = 0,
        limit: int = 50,
        after: str | None = None,
    ) -> QueuePage:
        """The department's open cases, most urgent first, with working days left and yellow/red marks; the
        next page by `offset`, or (cheaper far down the list) `after` = the page's `next_after`."""
        params: dict[str, Any] = {"offset": offset, "limit": limit}
        for name, value in (
            ("status", status),
            ("warning", warning),
            ("department", department),
            ("after", after),
        ):
            if value is not None:
                params[name] = str(value)
        return self._call("GET", "/backoffice/cases", QueuePage, params=params)

    def backoffice_case(self, case_id: int) -> BackofficeCaseOut:
        return self._call("GET", f"/backoffice/cases/{case_id}", BackofficeCaseOut)

    def complete_step(self, case_id: int, body: StepIn) -> BackofficeCaseOut:
        """承办 / 审核 / 批准 with the opinion."""
        return self._call("POST", f"/backoffice/cases/{case_id}/steps", BackofficeCaseOut, body, once=True)

    def return_for_correction(self, case_id: int, body: ReturnForCorrectionIn) -> BackofficeCaseOut:
        """退回窗口补正."""
        return self._call("POST", f"/backoffice/cases/{case_id}/return", BackofficeCaseOut, body, once=True)

    def start_special_procedure(self, case_id: int, body: SpecialStartIn) -> BackofficeCaseOut:
        path = f"/backoffice/cases/{case_id}/special-procedures"
        return self._call("POST", path, BackofficeCaseOut, body, once=True)

    def end_special_procedure(self, case_id: int, body: SpecialEndIn) -> BackofficeCaseOut:
        path = f"/backoffice/cases/{case_id}/special-procedures/end"
        return self._call("POST", path, BackofficeCaseOut, body, once=True)

    def conclude_case(self, case_id: int, body: ConcludeIn) -> BackofficeCaseOut:
        """办结: 准予 (with the certificate), 不予许可, 转报."""
        return self._call(
            "POST", f"/backoffice/cases/{case_id}/conclusion", BackofficeCaseOut, body, once=True
        )

    def record_complaint(self, complaint: ComplaintIn) -> ComplaintOut:
        """Channel WINDOW for a clerk or manager, KIOSK for a kiosk."""
        return self._call("POST", "/complaints", ComplaintOut, complaint, once=True)

    def complain_by_follow_code(self, code: str, complaint: FollowComplaintIn) -> PublicComplaintOut:
        """The follow page's complaint (no sign-in): bound to the ticket of `code`."""
        return self._call("POST", f"/public/tickets/{code}/complaints", PublicComplaintOut, complaint)

    def import_12345(self, batch: HotlineBatchIn) -> HotlineImportOut:
        """12345 工单; one already imported (same 工单号) is reported ALREADY_THERE."""
        return self._call("POST", "/complaints/import-12345", HotlineImportOut, batch, once=True)

    def complaints(self, query: ComplaintQuery | None = None) -> list[ComplaintOut]:
        params = query.model_dump(mode="json", exclude_none=True) if query else None
        return self._call("GET", "/complaints", list[ComplaintOut], params=params)

    def export_complaints(self, query: ComplaintQuery | None = None) -> bytes:
        """The same list as a CSV (UTF-8 with BOM, Chinese headers)."""
        params = query.model_dump(mode="json", exclude_none=True) if query else {}
        return self._download("/complaints/export", params).content

    def complaint(self, complaint_id: int) -> ComplaintOut:
        return self._call("GET", f"/complaints/{complaint_id}", ComplaintOut)

    def route_complaint(self, complaint_id: int, route: RouteIn) -> ComplaintOut:
        return self._call("POST", f"/complaints/{complaint_id}/route", ComplaintOut, route, once=True)

    def answer_complaint(self, complaint_id: int, reply: str) -> ComplaintOut:
        body = AnswerIn(reply=reply)
        return self._call("POST", f"/complaints/{complaint_id}/answer", ComplaintOut, body, once=True)

    def close_complaint(self, complaint_id: int, note: str = "") -> ComplaintOut:
        body = ComplaintCloseIn(note=note)
        return self._call("POST", f"/complaints/{complaint_id}/close", ComplaintOut, body, once=True)

    def reopen_complaint(self, complaint_id: int, reason: str) -> ComplaintOut:
        body = ReopenIn(reason=reason)
        return self._call("POST", f"/complaints/{complaint_id}/reopen", ComplaintOut, body, once=True)

    def complaint_settings(self) -> ComplaintSettingsOut:
        return self._call("GET", "/complaints/settings", ComplaintSettingsOut)

    def save_complaint_settings(self, settings: ComplaintSettingsIn) -> ComplaintSettingsOut:
        return self._call("PUT", "/complaints/settings", ComplaintSettingsOut, settings)

    # appointments
    def create_slot(self, slot: SlotIn) -> SlotOut:
        return self._call("POST", "/appointments/slots", SlotOut, slot, once=True)

    def generate_slots(self, request: SlotGenerateIn) -> list[SlotOut]:
        return self._call("POST", "/appointments/slots/generate", list[SlotOut], request, once=True)

    def slots(self, category: str, on: date) -> list[SlotOut]:
        return self._call(
            "GET", "/appointments/slots", list[SlotOut], params={"category": category, "on": on.isoformat()}
        )

    def book(self, request: BookRequest) -> AppointmentOut:
        return self._call("POST", "/appointments", AppointmentOut, request, once=True)

    def appointment(self, appointment_id: int) -> AppointmentOut:
        return self._call("GET", f"/appointments/{appointment_id}", AppointmentOut)

    def search_appointments(self, identity: IdentityIn, on: date | None = None) -> list[AppointmentOut]:
        return self._call(
            "POST",
            "/appointments/search",
            list[AppointmentOut],
            AppointmentSearch(identity=identity, on_date=on),
        )

    def reschedule(self, appointment_id: int, slot_id: int) -> AppointmentOut:
        return self._call(
            "POST",
            f"/appointments/{appointment_id}/reschedule",
            AppointmentOut,
            RescheduleRequest(slot_id=slot_id),
            once=True,
        )

    def cancel_appointment(self, appointment_id: int, reason: str = "申请人取消") -> AppointmentOut:
        return self._call(
            "POST",
            f"/appointments/{appointment_id}/cancel",
            AppointmentOut,
            AppointmentCancelRequest(reason=reason),
            once=True,
        )

    def check_in(self, request: CheckInRequest) -> CheckInResult:
        return self._call("POST", "/appointments/check-in", CheckInResult, request, once=True)


def _query(filters: dict[str, Any]) -> dict[str, Any]:
    """Query parameters without the unset ones; dates and enums as their text."""
    return {name: _text(value) for name, value in filters.items() if value is not None}


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value.isoformat() if isinstance(value, date) else str(value)


def token_refusal(server: str, token: str) -> str:
    """Ask the hall server who `token` is, before an app starts: the Chinese reason if the server refuses it
    (a setup error to say at once), else "". An unreachable server is not a refusal: the app starts and
    shows that it is offline."""
    try:
        with HallClient(server, token, timeout=5.0) as client:
            client.whoami()
    except ApiError as exc:
        if exc.status in (401, 403):
            return f"大厅服务器 {server} 不接受这个设备令牌（{exc.code}），请核对 --token / --token-file"
    except (httpx.HTTPError, OSError):
        pass
    return ""
