"""The English translation: an agent who picks English sees the UI chrome (navigation, headings,
buttons, labels, table headers, choices) in English; without a choice the UI is Chinese.

Data people typed (customer names, subjects, team names) and seeded configuration (SLA policy and
calendar names) stay as entered; each test lists the data values its page shows, and everything
else in the chrome must be free of CJK characters."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from kefu.accounts.models import User
from kefu.customers.models import Customer
from kefu.tickets.models import Ticket

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
# Elements whose text is UI chrome; data inside them is allowed through `data=` below.
CHROME_TAGS = frozenset(
    {"title", "nav", "h1", "h2", "h3", "label", "button", "th", "summary", "dt", "option", "legend"}
)
CHROME_ATTRS = ("placeholder", "aria-label")

SUBJECT = "咨询套餐资费"  # data: typed by the agent


class _Chrome(HTMLParser):
    """Collects the text of chrome elements, and placeholder / aria-label attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # how many chrome elements we are inside
        self.skip = 0  # inside the language switch button (it names the other language natively)
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for name in CHROME_ATTRS:
            if a.get(name):
                self.texts.append(a[name] or "")
        if tag == "button" and a.get("name") == "language":
            self.skip += 1
        if tag in CHROME_TAGS:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "button" and self.skip:
            self.skip -= 1
        if tag in CHROME_TAGS and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth and not self.skip and data.strip():
            self.texts.append(data.strip())


@pytest.fixture(autouse=True)
def _back_to_chinese() -> Iterator[None]:
    """The test client's requests activate English in this thread; later tests expect Chinese."""
    yield
    translation.deactivate()


def chrome_text(html: str) -> list[str]:
    parser = _Chrome()
    parser.feed(html)
    return parser.texts


def assert_english_chrome(html: str, *, data: tuple[str, ...] = ()) -> None:
    """No CJK character is left in the chrome once the page's data values are taken out."""
    leftovers = []
    for text in chrome_text(html):
        for value in sorted(data, key=len, reverse=True):
            text = text.replace(value, "")
        if CJK.search(text):
            leftovers.append(text)
    assert not leftovers, f"untranslated UI text: {leftovers}"


def english(client: Client, user: User) -> Client:
    """Logs the user in and picks English the way the header's switch does."""
    client.force_login(user)
    r = client.post("/i18n/setlang/", {"language": "en", "next": "/tickets/workbench/"})
    assert r.status_code == 302
    return client


def page(client: Client, url: str) -> str:
    r = client.get(url)
    assert r.status_code == 200, (url, r.status_code)
    html = r.content.decode()
    assert '<html lang="en">' in html
    return html


@pytest.fixture
def ticket(config: None, alice: User, customer: Customer) -> Ticket:
    from kefu.tickets.services import ticket_create

    t, _created = ticket_create(
        by=alice,
        customer=customer,
        data={
            "kind": "complaint",
            "complaint_category": "service_attitude",
            "channel": "phone",
            "subject": SUBJECT,
            "description": "客户投诉坐席服务态度差,要求回电说明",
        },
        assignee=alice,
    )
    return t


@pytest.fixture
def unassigned(config: None, alice: User, customer: Customer, hotline: Any) -> Ticket:
    from kefu.tickets.services import ticket_create

    t, _created = ticket_create(
        by=alice,
        customer=customer,
        data={"kind": "consultation", "channel": "phone", "description": "客户咨询营业时间"},
        team=hotline,
        self_assign=False,
    )
    return t


def _people(*users: User) -> tuple[str, ...]:
    return tuple(str(u) for u in users) + tuple(u.display_name for u in users)


# --- Chinese is the default --------------------------------------------------------------------


def test_without_a_choice_the_ui_is_chinese(client: Client, config: None, alice: User) -> None:
    client.force_login(alice)
    html = client.get("/tickets/workbench/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "我的工作台" in html and "<h1>My workbench</h1>" not in html
    assert 'value="en" class="link">English</button>' in html


def test_choosing_english_sets_the_language_cookie(client: Client, alice: User) -> None:
    english(client, alice)
    assert client.cookies["django_language"].value == "en"


def test_switching_back_to_chinese(client: Client, config: None, alice: User) -> None:
    english(client, alice)
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/tickets/workbench/"})
    html = client.get("/tickets/workbench/").content.decode()
    assert "我的工作台" in html


# --- English pages -----------------------------------------------------------------------------


def test_workbench_in_english(
    client: Client, alice: User, lena: User, ticket: Ticket, unassigned: Ticket
) -> None:
    html = page(english(client, alice), "/tickets/workbench/")
    for s in (
        "<h1>My workbench</h1>",
        ">Work orders</a>",
        ">Callbacks</a>",
        ">Customers</a>",
        "Call intake",
        "Find customer",
        "My open work orders",
        "Pending callbacks",
        "Team queue",
        ">Take</button>",
        ">Log out</button>",
        "Customer Service Centre",
        "Complaint",  # the ticket's type, a choice
    ):
        assert s in html, s
    # the language switch offers Chinese, named in Chinese
    assert 'value="zh-hans" class="link">中文</button>' in html
    assert_english_chrome(html, data=_people(alice, lena))


def test_ticket_page_in_english(client: Client, alice: User, lena: User, ticket: Ticket) -> None:
    html = page(english(client, alice), ticket.get_absolute_url())
    for s in (
        "<h2>SLA</h2>",
        "First response due",
        "Reply to customer due",
        "Resolution due",
        "Customer request",
        "Send reply",
        "Internal note",
        "Change status",
        "Promised callback",
        "Transfer to department",
        "Escalate",
        "Customer complaint report",
        "Upload attachment",
        "History",
        "Work order created",  # the timeline's first event
    ):
        assert s in html, s
    policy = ticket.policy.name if ticket.policy else ""
    data = (SUBJECT, ticket.customer.name, str(ticket.team or ""), policy, *_people(alice, lena))
    assert_english_chrome(html, data=data)


def test_intake_page_in_english(
    client: Client, alice: User, lena: User, customer: Customer
) -> None:
    c = english(client, alice)
    html = page(c, "/tickets/new/?phone=13812345678")
    for s in ("<h1>Call intake</h1>", "Caller's number", "New work order for this customer"):
        assert s in html, s
    assert_english_chrome(html, data=(customer.name,))

    html = page(c, f"/tickets/new/?customer={customer.pk}&phone=13812345678")
    for s in ("Work order details", "Save work order", "Enquiry", "After-sales", "Urgent"):
        assert s in html, s
    assert_english_chrome(html, data=(customer.name, *_people(alice, lena)))


def test_customer_list_in_english(
    client: Client, config: None, alice: User, customer: Customer
) -> None:
    html = page(english(client, alice), "/customers/")
    for s in ("<h1>Customers</h1>", "New customer", "Member no.", "Search"):
        assert s in html, s
    assert_english_chrome(html, data=(customer.name,))


def test_customer_page_in_english(
    client: Client, alice: User, customer: Customer, ticket: Ticket
) -> None:
    html = page(english(client, alice), f"/customers/{customer.pk}/")
    for s in ("Work order history", "Customer details", "New work order for this customer"):
        assert s in html, s
    assert_english_chrome(html, data=(customer.name, SUBJECT))


def test_kpi_page_in_english_for_a_team_lead(
    client: Client, lena: User, alice: User, ticket: Ticket
) -> None:
    html = page(english(client, lena), "/reports/kpi/")
    for s in (
        "<h1>Service KPIs</h1>",
        "Reply rate",
        "On-time reply rate",
        "Target 100%<",
        "Export CSV",
        "By agent",
        "Metric definitions",
    ):
        assert s in html, s
    assert "100%%" not in html
    assert_english_chrome(html, data=(str(lena.team), *_people(alice, lena)))


@pytest.mark.parametrize(
    "url", ["/tickets/", "/tickets/callbacks/", "/tickets/team/", "/notifications/"]
)
def test_other_pages_in_english(
    client: Client, url: str, lena: User, alice: User, ticket: Ticket
) -> None:
    html = page(english(client, lena), url)
    assert_english_chrome(
        html, data=(SUBJECT, ticket.customer.name, str(lena.team), *_people(alice, lena))
    )


def test_notification_levels_in_english(client: Client, lena: User, ticket: Ticket) -> None:
    # a service-attitude complaint alerts the team lead at once (escalation level)
    html = page(english(client, lena), "/notifications/")
    assert "Escalation" in html and "Mark all as read" in html


def test_notifications_are_shown_in_the_readers_language(
    client: Client, lena: User, ticket: Ticket
) -> None:
    # written in Chinese when the complaint came in, read in English later
    notice = lena.notifications.get(level="escalation")
    assert notice.message == f"服务态度投诉 {ticket.number}:请立即联系客户"
    client.force_login(lena)
    assert notice.message in client.get("/notifications/").content.decode()
    html = page(english(client, lena), "/notifications/")
    assert f"Service attitude complaint {ticket.number}: contact the customer now" in html
    assert "服务态度投诉" not in html


def test_login_page_in_english(client: Client, config: None) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    html = client.get("/accounts/login/").content.decode()
    assert "<h1>Customer Service Centre</h1>" in html
    assert_english_chrome(html)


# --- quality inspection and agent assist ------------------------------------------------------

# "now" for the quality pages: the imported calls happened this morning (as in tests/quality)
QUALITY_NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
FORBIDDEN = "不行就是不行,这是规定。"  # data: what the agent said (SCRIPT-9)


def _call(conv_id: str, employee_no: str, agent_text: str = FORBIDDEN) -> dict[str, Any]:
    return {
        "id": conv_id,
        "channel": "phone",
        "started_at": "2026-11-20T09:15:00+08:00",
        "agent": {"employee_no": employee_no},
        "customer": {"phone": "13812345678"},
        "segments": [
            {"speaker": "agent", "text": "早上好!工号1024为您服务,请问有什么可以帮您?"},
            {"speaker": "customer", "text": "我的宽带断了,能不能马上修?"},
            {"speaker": "agent", "text": agent_text},
            {"speaker": "agent", "text": "我们会在24小时内给您回复。"},
            {"speaker": "customer", "text": "好吧。"},
            {"speaker": "agent", "text": "感谢您的来电,再见!"},
        ],
    }


@pytest.fixture
def quality(config: None, ivan: User, alice: User, bob: User, ticket: Ticket) -> Any:
    """Two calls of alice's (the first linked to her work order) and one of bob's, inspected,
    under a fixed clock; alice has appealed the finding of her first call."""
    from kefu.quality.models import Conversation, Finding
    from kefu.quality.services import conversations_import, finding_appeal, rulebook_invalidate

    rulebook_invalidate()
    with time_machine.travel(QUALITY_NOW, tick=True):
        calls = [_call("alice-1", "1024"), _call("alice-2", "1024"), _call("bob-1", "1025")]
        conversations_import(by=ivan, data=json.dumps(calls[1:]).encode(), filename="calls.json")
        conversations_import(
            by=ivan, data=json.dumps(calls[0]).encode(), filename="alice.json", ticket=ticket
        )
        conv = Conversation.objects.get(external_id="alice-1")
        finding = Finding.objects.filter(inspection=conv.latest_inspection).first()
        assert finding is not None
        finding_appeal(by=alice, finding=finding, reason="客户要求无法办理")
        yield conv


def _quality_data(*users: User) -> tuple[str, ...]:
    """Data on the quality pages: people, team, customer, and the rulebook's rule titles (site
    configuration, shown as written in the filters' rule choices and the phrase library)."""
    from kefu.quality.assist.selectors import assist_rulebook, phrase_library
    from kefu.quality.selectors import rule_choices

    library = phrase_library(assist_rulebook())
    titles = [label for _id, label in rule_choices()]
    titles += [s.title for s in library.scenarios] + [c.title for c in library.forbidden]
    teams = tuple({str(u.team) for u in users if u.team})
    return (*titles, *teams, "张先生", SUBJECT, FORBIDDEN, *_people(*users))


def test_quality_list_in_english(
    client: Client, ivan: User, alice: User, bob: User, lena: User, quality: Any
) -> None:
    html = page(english(client, ivan), "/quality/")
    for s in (
        "<h1>Conversations</h1>",
        ">Quality inspection</a>",  # the header's nav link
        "Import conversations",
        "Review queue",
        "Agent scorecards",
        "Rule statistics",
        "Phrase library",
        "Conversation ID",
        "Verdict",
        "Linked work order",
        "Fail",
    ):
        assert s in html, s
    assert_english_chrome(html, data=_quality_data(ivan, alice, bob, lena))


def test_conversation_page_in_english_for_the_inspector(
    client: Client, ivan: User, alice: User, bob: User, lena: User, quality: Any
) -> None:
    html = page(english(client, ivan), quality.get_absolute_url())
    for s in (
        "Inspection details",
        "Transcript",
        "Inspection findings",
        "Service promises",
        "Inspection records",
        "Re-inspect",
        "Decide appeal",  # alice's appeal is pending
        "Uphold",
        "Pending",
        "Score",
    ):
        assert s in html, s
    assert_english_chrome(html, data=(*_quality_data(ivan, alice, bob, lena), quality.external_id))


def test_conversation_page_in_english_for_the_agent(
    client: Client, ivan: User, alice: User, bob: User, lena: User, quality: Any
) -> None:
    from kefu.quality.models import Conversation

    conv = Conversation.objects.get(external_id="alice-2")  # no appeal yet: the form shows
    html = page(english(client, alice), conv.get_absolute_url())
    for s in ("<summary>Appeal</summary>", "Reason for appeal", "Submit appeal"):
        assert s in html, s
    assert_english_chrome(html, data=(*_quality_data(ivan, alice, bob, lena), conv.external_id))


@pytest.mark.parametrize(
    ("url", "texts"),
    [
        ("/quality/queue/", ("<h1>Review queue</h1>", "Severity", "Random sample size")),
        ("/quality/queue/?status=appealed", ("Pending appeals", "Under appeal")),
        (
            "/quality/scorecards/",
            ("<h1>Agent quality scorecards</h1>", "Average score", "Pass rate", "Weekly trend"),
        ),
        ("/quality/rules/", ("<h1>Rule hit statistics</h1>", "By rule", "Overturn rate")),
        ("/quality/import/", ("<h1>Import conversations</h1>", "Import and inspect")),
    ],
)
def test_quality_pages_in_english(
    client: Client,
    url: str,
    texts: tuple[str, ...],
    ivan: User,
    alice: User,
    bob: User,
    lena: User,
    quality: Any,
) -> None:
    with time_machine.travel(QUALITY_NOW, tick=True):
        html = page(english(client, ivan), url)
    for s in texts:
        assert s in html, s
    assert_english_chrome(html, data=_quality_data(ivan, alice, bob, lena))


def test_phrase_library_in_english(client: Client, config: None, alice: User, lena: User) -> None:
    html = page(english(client, alice), "/quality/assist/phrases/")
    for s in (
        "<h1>Phrase library</h1>",
        "Forbidden phrases (the five “don'ts”)",
        "Scenario responses",
        'aria-label="Standard wording"',
        "Wording check",
    ):
        assert s in html, s
    assert_english_chrome(html, data=_quality_data(alice, lena))


def test_draft_check_page_in_english(client: Client, config: None, alice: User) -> None:
    c = english(client, alice)
    html = page(c, "/quality/assist/check/")
    for s in ("<h1>Wording check</h1>", "Reply draft", "Online chat", ">Check</button>"):
        assert s in html, s
    assert_english_chrome(html, data=_quality_data(alice))

    r = c.post("/quality/assist/check/", {"text": "你到底想怎么样?", "channel": "chat"})
    html = r.content.decode()
    assert r.status_code == 200 and "Wording alert" in html and "Marked-up draft" in html
    assert_english_chrome(html, data=_quality_data(alice))


def test_workbench_opening_in_english(client: Client, config: None, alice: User) -> None:
    html = page(english(client, alice), "/tickets/workbench/")
    assert "Opening to use now" in html and "Phrase library" in html


# --- service hall (营业厅) ---------------------------------------------------------------------


def _hall_data(hall: Any, *users: User) -> tuple[str, ...]:
    """Data on the hall pages: the hall's name, the seeded catalogue (brands and business names,
    site configuration shown as written), the checklist texts and the people."""
    from kefu.hall.models import BusinessType, ChecklistItem

    names = list(BusinessType.objects.values_list("name", flat=True))
    brands = list(BusinessType.objects.values_list("brand", flat=True).distinct())
    checks = list(ChecklistItem.objects.values_list("text", flat=True))
    return (hall.name, *names, *brands, *checks, *_people(*users))


def _english_device(client: Client, url: str) -> Client:
    """A hall device (kiosk, board) nobody logs in to, switched to English."""
    r = client.post("/i18n/setlang/", {"language": "en", "next": url})
    assert r.status_code == 302
    return client


def test_hall_nav_link_for_a_team_lead(client: Client, lena: User, hall: Any) -> None:
    html = page(english(client, lena), "/tickets/workbench/")
    assert 'id="nav-hall">Service hall</a>' in html


def test_hall_overview_in_english(
    client: Client, clerk: User, hall: Any, open1: Any, counter2: Any
) -> None:
    html = page(english(client, clerk), f"/hall/{hall.pk}/")
    for s in (
        ">Service hall</a>",
        "Hall overview",
        "Today's opening hours",
        "Staff on duty",
        "Current customer",
        "Go to counter",
        "Counter 1",
        "Today's opening checklist not done",
    ):
        assert s in html, s
    assert_english_chrome(html, data=_hall_data(hall, clerk))


def test_kiosk_in_english(client: Client, hall: Any, open1: Any) -> None:
    url = f"/hall/{hall.pk}/kiosk/"
    html = page(_english_device(client, url), url)
    for s in (
        "<title>Take a number",
        "Please choose a service",
        "VIP customer (please show your VIP card)",
        "Self-service available",
    ):
        assert s in html, s
    assert_english_chrome(html, data=_hall_data(hall))


def test_slip_in_english(client: Client, hall: Any, open1: Any, pay: Any) -> None:
    from kefu.hall import services

    services.number_take(hall=hall, business=pay)
    n = services.number_take(hall=hall, business=pay)
    html = page(_english_device(client, f"/hall/slip/{n.pk}/"), f"/hall/slip/{n.pk}/")
    for s in (
        "Taken at",
        "There is 1 customer ahead of you",
        "Estimated wait: about",
        "This service is available in the self-service area",
        "take a new number",
        ">Print</button>",
        "Back to the kiosk",
    ):
        assert s in html, s
    assert_english_chrome(html, data=_hall_data(hall))


def test_board_in_english(client: Client, hall: Any, open1: Any, clerk: User, pay: Any) -> None:
    from kefu.hall import services

    services.number_take(hall=hall, business=pay)
    services.number_take(hall=hall, business=pay)
    services.number_call_next(counter=open1, by=clerk)
    url = f"/hall/{hall.pk}/board/"
    html = page(_english_device(client, url), url)
    for s in (
        "Display board",
        "<h2>Now calling</h2>",
        "<h2>People waiting</h2>",
        "Number A001, please go to counter 1",
        "Turn on voice announcements",
    ):
        assert s in html, s
    assert_english_chrome(html, data=_hall_data(hall))
    frag = client.get(url + "?fragment=1").content.decode()
    assert "Now calling" in frag and "Counter 1" in frag


def test_counter_page_in_english(
    client: Client, hall: Any, open1: Any, counter2: Any, clerk: User, pay: Any
) -> None:
    from kefu.hall import services

    c = english(client, clerk)
    url = f"/hall/counter/{open1.pk}/"
    html = page(c, url)
    for s in ("<h1>Counter 1</h1>", "No current customer", ">Call next</button>", "Sign out"):
        assert s in html, s
    assert_english_chrome(html, data=_hall_data(hall, clerk))

    services.number_take(hall=hall, business=pay)
    services.number_take(hall=hall, business=pay)
    services.number_call_next(counter=open1, by=clerk)
    html = page(c, url)
    for s in (
        "Current customer",
        "Start service",
        ">Recall</button>",
        "Return to queue",
        "Transfer to service",
        "Quick complaint intake (creates a work order)",
        "Up next",
        "Service phrases",
        "<dt>Ask for ID</dt>",
        "Shift handover",
    ):
        assert s in html, s
    assert_english_chrome(html, data=_hall_data(hall, clerk))


def test_walker_page_in_english(client: Client, hall: Any, walker: User, pay: Any) -> None:
    from kefu.hall import services

    services.number_take(hall=hall, business=pay)
    html = page(english(client, walker), f"/hall/{hall.pk}/walker/?code=a001")
    for s in (
        "<h1>Floor walker</h1>",
        "Look up a number",
        "Waited (min)",
        "Self-service",
        ">Divert to self-service</button>",
        ">Alert team lead</button>",
        'placeholder="e.g. customer is upset"',
        "Phrases while customers wait",
        "<dt>Someone jumping the queue</dt>",
    ):
        assert s in html, s
    assert_english_chrome(html, data=_hall_data(hall, walker))
    html = page(client, f"/hall/{hall.pk}/walker/?code=B999")
    assert "No number B999 today" in html


def test_hall_stats_in_english(
    client: Client, hall: Any, open1: Any, clerk: User, mark: User, pay: Any
) -> None:
    from kefu.hall import services

    services.number_take(hall=hall, business=pay)
    n = services.number_call_next(counter=open1, by=clerk)
    services.number_start(number=n, by=clerk)
    services.number_finish(number=n, by=clerk)
    html = page(english(client, mark), f"/hall/{hall.pk}/stats/")
    for s in (
        "<h1>Service hall statistics</h1>",
        'id="nav-hall-stats" class="on">Statistics</a>',
        "Target wait (min)",
        "By service",
        "By counter",
        "By staff member",
        "Utilisation",
        "90th percentile wait",
        "Arrivals by hour",
        "Export CSV",
        '"arrivals": "Arrivals"',  # the chart's labels too
    ):
        assert s in html, s
    assert_english_chrome(html, data=_hall_data(hall, clerk, mark))


def test_checklist_in_english(client: Client, hall: Any, walker: User) -> None:
    from kefu.hall.models import ChecklistItem

    c = english(client, walker)
    url = f"/hall/{hall.pk}/checklist/"
    html = page(c, url)
    for s in (
        "<h1>Opening checklist</h1>",
        "Staff appearance",
        "Cleanliness",
        ">Sign off</button>",
    ):
        assert s in html, s
    assert_english_chrome(html, data=_hall_data(hall, walker))

    r = c.post(url, {"items": [ChecklistItem.objects.first().pk]})
    assert r.status_code == 400 and "These items have not been checked" in r.content.decode()
    c.post(url, {"items": list(ChecklistItem.objects.values_list("pk", flat=True))})
    html = page(c, url)
    assert "Signed off today by" in html
    assert_english_chrome(html, data=_hall_data(hall, walker))


def test_handover_in_english(
    client: Client, hall: Any, open1: Any, clerk: User, walker: User
) -> None:
    c = english(client, clerk)
    url = f"/hall/{hall.pk}/handover/"
    html = page(c, url)
    for s in (
        "<h1>Shift handover</h1>",
        "Handover records",
        "No handovers yet",
        "Hand over the shift",
        "Replies you still owe customers",
        'placeholder="e.g. Floor walker"',
        "Incoming staff",
        ">Submit handover</button>",
    ):
        assert s in html, s
    assert_english_chrome(html, data=_hall_data(hall, clerk, walker))

    r = c.post(
        url, {"counter": open1.pk, "incoming": walker.pk, "notes": "打印机缺纸"}, follow=True
    )
    html = r.content.decode()
    assert "Handover submitted" in html and "Awaiting acknowledgement" in html
    assert_english_chrome(html, data=_hall_data(hall, clerk, walker))


# --- staffing (排班) ---------------------------------------------------------------------------

# "now" for the staffing pages: a Monday in the month the mall's roster covers
STAFFING_NOW = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
DECEMBER = STAFFING_NOW.date().replace(day=1)
MEETING_TITLE = "十二月排班与服务质量周例会"  # data: typed by the manager
ACTION_TEXT = "核对会员中心节假日排班"  # data
LEAVE_REASON = "家中有事"  # data


@pytest.fixture
def staffing(db: None) -> Any:
    """The demo mall staff (mallmgr the manager, svc1 a desk specialist) with December's roster
    generated and published, under a fixed clock: svc1 has clocked in, asked for leave (pending)
    and owes an action item from a weekly meeting; the hotline post has a forecast for today."""
    from decimal import Decimal

    from kefu.staffing.demo import demo_staffing_load
    from kefu.staffing.models import Meeting, Post, RosterUnit
    from kefu.staffing.seed import HOTLINE_POST
    from kefu.staffing.services import attendance, demand, directory, meetings
    from kefu.staffing.services import roster as rosters

    demo_staffing_load(records=False)
    manager = User.objects.get(username="mallmgr")
    svc1 = User.objects.get(username="svc1")
    mall = RosterUnit.objects.get(code="mall")
    with time_machine.travel(STAFFING_NOW - timedelta(days=14), tick=True):
        made = rosters.roster_generate(by=manager, unit=mall, month=DECEMBER)
        rosters.roster_publish(by=manager, roster=made)
    with time_machine.travel(STAFFING_NOW - timedelta(hours=1), tick=False):
        attendance.clock_in(by=svc1)
    with time_machine.travel(STAFFING_NOW, tick=True):
        today = STAFFING_NOW.date()
        directory.leave_request(
            by=svc1,
            kind="annual",
            first_day=today + timedelta(days=14),
            last_day=today + timedelta(days=15),
            reason=LEAVE_REASON,
            today=today,
        )
        meetings.meeting_record(
            by=manager,
            held_at=STAFFING_NOW - timedelta(hours=2),
            kind=Meeting.Kind.WEEKLY,
            title=MEETING_TITLE,
            topics="节假日排班、服务态度",
            attendees=[manager, svc1],
            actions=[{"text": ACTION_TEXT, "owner": svc1, "due_on": today + timedelta(days=3)}],
        )
        demand.forecast_save(
            by=manager,
            post=Post.objects.get(code=HOTLINE_POST),
            day=today,
            entries=[
                demand.Entry(time(9, 0), Decimal(120)),
                demand.Entry(time(9, 30), Decimal(150), 200),
            ],
        )
    return made


def _staffing_data() -> tuple[str, ...]:
    """Data on the staffing pages: the people (accounts and their profiles' job titles and
    skills), the seeded units, posts, shift patterns and ladder labels (site configuration shown
    as written), holiday names and solver warnings from the roster domain, and what was typed."""
    from kefu.staffing.models import (
        LadderStep,
        Post,
        Roster,
        RosterUnit,
        Shift,
        ShiftPattern,
        StaffProfile,
    )

    users = list(User.objects.all())
    profiles = list(StaffProfile.objects.all())
    values: list[str] = [*_people(*users), *(p.title for p in profiles)]
    values += [s for p in profiles for s in p.skills]
    values += list(RosterUnit.objects.values_list("name", flat=True))
    values += list(Post.objects.values_list("name", flat=True))
    values += list(ShiftPattern.objects.values_list("name", flat=True))
    values += list(LadderStep.objects.values_list("label", flat=True))
    values += list(Shift.objects.values_list("holiday_name", flat=True).distinct())
    values += [w for ws in Roster.objects.values_list("warnings", flat=True) for w in ws]
    values += [str(r) for r in Roster.objects.all()]
    values += [MEETING_TITLE, ACTION_TEXT, LEAVE_REASON]
    return tuple(v for v in values if v)


def _staffing_page(user: str, url: str) -> str:
    client = english(Client(), User.objects.get(username=user))
    with time_machine.travel(STAFFING_NOW, tick=True):
        return page(client, url)


# Chinese dates that must not reach an English page (the templates use the locale's formats)
FULL_DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")
YEAR_MONTH = re.compile(r"\d{4}年\d{1,2}月(?!\d)")


def assert_english_staffing(html: str) -> None:
    assert_english_chrome(html, data=_staffing_data())


def test_staffing_nav_link_in_english(staffing: Any) -> None:
    html = _staffing_page("svc1", "/tickets/workbench/")
    assert ">Rostering</a>" in html


# Staffing pages in English: (user, url with {roster} and {me} for svc1's profile, texts shown)
STAFFING_PAGES = [
    pytest.param(
        "mallmgr",
        "/staffing/",
        (
            "<h1>Rostering and staff</h1>",
            "My upcoming shifts",
            "Rosters by unit",
            "This month",
            "Next month",
            "Not generated",
            ">Generate roster</a>",
            "Published",
            ">Call forecast and staffing needs</a>",
            ">Complaint accountability ladder</a>",
        ),
        id="staffing_home_in_english_for_the_manager",
    ),
    pytest.param(
        "mallmgr",
        "/staffing/rosters/",
        (
            "<h1>Roster</h1>",
            "Roster unit",
            ">Generate</button>",
            "Generated at",
            "Solver",
        ),
        id="roster_list",
    ),
    pytest.param(
        "mallmgr",
        "/staffing/rosters/{roster}/",
        (
            "Download roster file (CSV)",
            "Print (with meal breaks)",
            "<th>Days</th>",
            "<th>Hours</th>",
            "<h3>Swap shifts</h3>",
            "Staff member A",
            "<h3>Reassign</h3>",
            "Reassign to",
            "Cancel shift (sick leave, etc.)",
            "Re-roster remaining days",
            "Withdraw to draft",
            "Change log",
        ),
        id="roster_page",
    ),
    pytest.param(
        "mallmgr",
        "/staffing/rosters/{roster}/print/",
        (
            "Daily duty and staggered meal breaks",
            "Lunch break",
            "Dinner break",
        ),
        id="printable_roster",
    ),
    pytest.param(
        "svc1",
        "/staffing/my-shifts/",
        (
            "My shifts",
            "Counted hours",
            "Holiday",
            "Shifts this month:",
            "Download",
        ),
        id="my_shifts",
    ),
    pytest.param(
        "svc1",
        "/staffing/clock/",
        (
            "<h1>Clock in and out</h1>",
            "Clocked in at 09:00",
            ">Clock out</button>",
            "Note (optional)",
            "Today's clock records",
            "In progress",
            "Days worked",
            "View daily attendance details for this month",
        ),
        id="clock_page",
    ),
    pytest.param(
        "mallmgr",
        "/staffing/attendance/",
        (
            "Attendance report",
            "Download CSV",
            "Total hours worked",
            "Hours worked / cap",
            "Late (times / min)",
            "Missed clock-out",
            "Enter attendance manually",
            "Clock-outs to enter",
            "No records waiting for a clock-out",
        ),
        id="attendance_report",
    ),
    pytest.param(
        "svc1",
        "/staffing/attendance/{me}/",
        (
            "Shifts and clock records",
            "All clock records",
            "grace period",
        ),
        id="personal_attendance",
    ),
    pytest.param(
        "mallmgr",
        "/staffing/directory/",
        (
            "<h1>Staff directory</h1>",
            "Add staff profile",
            "Name / employee no.",
            "All posts",
            "Job title",
            "Posts qualified for",
            "Monthly hours cap",
            "On leave now",
        ),
        id="staff_directory",
    ),
    pytest.param(
        "mallmgr",
        "/staffing/directory/{me}/",
        (
            "<h2>Profile</h2>",
            "Relief staff",
            "Upcoming shifts",
            "Leave records",
            "Edit profile",
        ),
        id="staff_profile",
    ),
    pytest.param(
        "mallmgr",
        "/staffing/demand/",
        (
            "<h1>Call forecast and staffing needs</h1>",
            "Service level target (%)",
            "Shrinkage (%)",
            "Calculate with these targets",
            "Forecast calls",
            "Understaffed intervals",
            "Traffic (Erl)",
            "Agents needed online",
            "Achievable as rostered",
            "Entered manually",
            "Import forecast file (CSV)",
            "Forecast from history",
        ),
        id="call_forecast",
    ),
    pytest.param(
        "mallmgr",
        "/staffing/leave/",
        (
            "<h1>Leave</h1>",
            "1 leave request awaiting approval",
            "Annual leave",
            "Pending approval",
            ">Approve</button>",
            ">Reject</button>",
            'placeholder="Approval comment (optional)"',
            "Record leave or sick leave",
        ),
        id="leave_page_in_english_for_the_manager",
    ),
    pytest.param(
        "svc1",
        "/staffing/leave/",
        (
            "Request leave",
            "Submit request",
            "My profile",
        ),
        id="leave_page_in_english_for_desk_staff",
    ),
    pytest.param(
        "mallmgr",
        "/staffing/ladder/",
        (
            "Complaint accountability ladder · 2026",
            "Count this year",
            "Current consequence",
            "No verified staff-responsibility complaints this year",
            "Ladder settings",
            "Complaint no.",
            "Withhold the month&#x27;s bonus",
            "Save ladder",
        ),
        id="ladder",
    ),
    pytest.param(
        "svc1",
        "/staffing/ladder/mine/",
        (
            "My complaint record · 2026",
            "<h2>Rules</h2>",
        ),
        id="my_complaint_record",
    ),
    pytest.param(
        "mallmgr",
        "/staffing/meetings/",
        (
            "<h1>Regular meetings</h1>",
            "Record meeting",
            "Search subjects, agendas, decisions",
            "Weekly regular meeting",
            "Action items (open / all)",
        ),
        id="meetings",
    ),
    pytest.param(
        "svc1",
        "/staffing/actions/",
        (
            "<h1>My action items</h1>",
            "Open meeting action items",
            "From meeting",
            "Due date",
            ">Mark done</button>",
            'placeholder="Outcome"',
        ),
        id="my_action_items",
    ),
]


@pytest.mark.parametrize(("user", "url", "texts"), STAFFING_PAGES)
def test_staffing_page_in_english(
    staffing: Any, user: str, url: str, texts: tuple[str, ...]
) -> None:
    from kefu.staffing.models import StaffProfile

    me = StaffProfile.objects.get(user__username="svc1")
    html = _staffing_page(user, url.format(roster=staffing.pk, me=me.pk))
    for s in texts:
        assert s in html, s
    assert_english_staffing(html)


def test_staffing_home_in_english_for_desk_staff(staffing: Any) -> None:
    html = _staffing_page("svc1", "/staffing/")
    for s in ("My upcoming shifts", "Meal breaks", "Clocked in at 09:00", "1 action item"):
        assert s in html, s
    assert "Rosters by unit" not in html  # desk staff do not manage rosters
    assert_english_staffing(html)


def test_meeting_page_in_english(staffing: Any) -> None:
    from kefu.staffing.models import Meeting

    meeting = Meeting.objects.get(title=MEETING_TITLE)
    html = _staffing_page("mallmgr", f"/staffing/meetings/{meeting.pk}/")
    for s in ("<dt>Chair</dt>", "<dt>Attendees</dt>", "<h3>Agenda</h3>", "Add action item", "Open"):
        assert s in html, s
    assert_english_staffing(html)


@pytest.mark.parametrize(
    ("user", "url", "texts"),
    [
        (
            "mallmgr",
            "/staffing/directory/new/",
            ("Create a staff profile for an existing account",),
        ),
        ("mallmgr", "/staffing/meetings/new/", ("<h1>Record meeting</h1>", "Pre-shift briefing")),
    ],
)
def test_staffing_forms_in_english(
    staffing: Any, user: str, url: str, texts: tuple[str, ...]
) -> None:
    html = _staffing_page(user, url)
    for s in texts:
        assert s in html, s
    assert_english_staffing(html)


def _leaks(pattern: re.Pattern[str], html: str) -> list[str]:
    return [t for t in chrome_text(html) if pattern.search(t)]


def test_staffing_month_headings_in_english(staffing: Any) -> None:
    from kefu.staffing.models import StaffProfile

    me = StaffProfile.objects.get(user__username="svc1")
    pages = [
        ("mallmgr", f"/staffing/rosters/{staffing.pk}/"),
        ("mallmgr", f"/staffing/rosters/{staffing.pk}/print/"),
        ("mallmgr", "/staffing/attendance/"),
        ("svc1", f"/staffing/attendance/{me.pk}/"),
        ("svc1", "/staffing/my-shifts/"),
        ("svc1", "/staffing/clock/"),
    ]
    leaks = [(url, _leaks(YEAR_MONTH, _staffing_page(user, url))) for user, url in pages]
    assert not [leak for leak in leaks if leak[1]], leaks


def test_clock_today_heading_in_english(staffing: Any) -> None:
    html = _staffing_page("svc1", "/staffing/clock/")
    assert not _leaks(FULL_DATE, html)


def test_roster_weekday_headers_in_english(staffing: Any) -> None:
    for url in (f"/staffing/rosters/{staffing.pk}/", f"/staffing/rosters/{staffing.pk}/print/"):
        html = _staffing_page("mallmgr", url)
        assert not [t for t in chrome_text(html) if re.fullmatch("[一二三四五六日]", t)], url
