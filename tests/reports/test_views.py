"""The KPI page (/reports/kpi/), its CSV export and the locally served plotly.js."""

from __future__ import annotations

import csv
import gzip
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from .conftest import NOW

KPI = "/reports/kpi/"
CSV = "/reports/kpi.csv"
RANGE_QS = {"date_from": "2026-11-10", "date_to": "2026-11-12"}


@pytest.fixture
def at_now():  # noqa: ANN201
    with time_machine.travel(NOW, tick=False):
        yield


def test_urls_are_named():
    assert reverse("reports:kpi") == KPI
    assert reverse("reports:kpi_csv") == CSV


# --- permissions --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [KPI, CSV])
@pytest.mark.parametrize(
    ("who", "status"),
    [("alice", 403), ("ivan", 403), ("lena", 200), ("mark", 200), ("admin_user", 200)],
)
def test_only_team_leads_managers_and_admins_get_in(client, request, url, who, status):  # noqa: ANN001
    client.force_login(request.getfixturevalue(who))
    assert client.get(url).status_code == status


def test_a_superuser_without_a_supervisor_role_gets_in(client, alice):  # noqa: ANN001
    alice.is_superuser = True
    alice.save()
    client.force_login(alice)
    assert client.get(KPI).status_code == 200


@pytest.mark.parametrize("url", [KPI, CSV])
def test_anonymous_users_are_sent_to_log_in(client, db, url):  # noqa: ANN001
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- the page -----------------------------------------------------------------------------------


def test_the_default_range_is_the_last_30_days(client, mark, at_now):  # noqa: ANN001
    client.force_login(mark)
    report = client.get(KPI).context["report"]
    assert (report.filters.date_from, report.filters.date_to) == (
        date(2026, 10, 22),
        date(2026, 11, 20),
    )
    assert (report.filters.date_to - report.filters.date_from).days + 1 == 30


def test_default_range_uses_the_local_date(client, mark):  # noqa: ANN001
    # 2026-11-20 23:30 UTC is already 11-21 in Shanghai
    with time_machine.travel(datetime(2026, 11, 20, 23, 30, tzinfo=UTC), tick=False):
        client.force_login(mark)
        report = client.get(KPI).context["report"]
    assert report.filters.date_to == date(2026, 11, 21)
    assert report.filters.date_from == date(2026, 11, 21) - timedelta(days=29)


def test_the_page_shows_cards_tables_and_chart_data(client, mark, kpi_data, at_now):  # noqa: ANN001
    client.force_login(mark)
    response = client.get(KPI, RANGE_QS)
    html = response.content.decode()
    assert response.status_code == 200
    cards = response.context["total_cells"]
    assert (cards.reply_rate, cards.on_time_rate, cards.callback_rate, cards.p50, cards.p90) == (
        "71.4%",
        "80.0%",
        "33.3%",
        "30.0",
        "52.0",
    )
    for text in (
        "王丽(1024)",
        "赵强(1025)",
        "周多(2024)",
        "未分派",
        "热线一组",
        "热线二组",
        "未分班组",
        "2026-11-11",
    ):
        assert text in html
    chart = response.context["chart"]
    assert chart["days"] == ["2026-11-10", "2026-11-11", "2026-11-12"]
    assert (chart["on_time"], chart["late"], chart["not_replied"]) == (
        [2, 0, 2],
        [1, 0, 0],
        [0, 2, 0],
    )
    assert chart["p50"] == [30.0, None, 40.0]
    assert '<script id="kpi-chart-data" type="application/json">' in html


def test_agent_rows_link_to_the_agent_filter_keeping_the_dates(client, mark, kpi_data, bob, at_now):  # noqa: ANN001
    client.force_login(mark)
    html = client.get(KPI, {**RANGE_QS, "agent": ""}).content.decode()
    assert f'href="?date_from=2026-11-10&amp;date_to=2026-11-12&amp;agent={bob.pk}"' in html


def test_an_empty_range_shows_dashes_not_errors(client, mark, kpi_data, at_now):  # noqa: ANN001
    client.force_login(mark)
    response = client.get(KPI, {"date_from": "2026-12-01", "date_to": "2026-12-03"})
    assert response.status_code == 200
    cards = response.context["total_cells"]
    assert (cards.reply_rate, cards.on_time_rate, cards.callback_rate, cards.p50, cards.p90) == (
        "—",
    ) * 5
    html = response.content.decode()
    assert "所选范围内没有工单或到期回电" in html
    assert "0.0%" not in html and "nan" not in html.lower()
    assert (
        "kpi-chart-data" not in html and "plotly-" not in html
    )  # nothing to draw: no 4.8 MB script


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        (
            {"date_from": "2026-11-12", "date_to": "2026-11-10"},
            "date_to",
            "结束日期不能早于开始日期",
        ),
        ({"date_from": "2024-01-01", "date_to": "2026-01-01"}, "date_to", "日期范围不能超过"),
        ({"date_from": "11/10/2026", "date_to": "2026-11-12"}, "date_from", ""),
        ({"date_from": "2026-11-10", "date_to": "2026-11-12", "team": "999999"}, "team", ""),
    ],
)
def test_bad_filters_show_field_errors(client, mark, params, field, message):  # noqa: ANN001
    client.force_login(mark)
    response = client.get(KPI, params)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert message in response.content.decode()


def test_the_page_has_no_inline_script(client, mark, kpi_data, at_now):  # noqa: ANN001
    client.force_login(mark)
    html = client.get(KPI, RANGE_QS).content.decode()
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    assert reverse("reports:plotly_js", args=["x"]).split("plotly-")[0] in html
    assert "cdn" not in html.lower()


def test_the_page_sends_a_strict_script_policy(client, mark):  # noqa: ANN001
    client.force_login(mark)
    policy = client.get(KPI)["Content-Security-Policy"]
    script = re.search(r"script-src ([^;]*)", policy).group(1).split()
    assert script == ["'self'"]


# --- CSV ----------------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:  # noqa: ANN001
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_csv_is_utf8_with_bom_and_a_chinese_header(client, mark, kpi_data, at_now):  # noqa: ANN001
    client.force_login(mark)
    response = client.get(CSV, RANGE_QS)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="kpi-20261110-20261112.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = _csv(response)
    assert rows[0][:6] == ["坐席", "工号", "班组", "受理量", "已回复", "回复率"]
    assert "首次响应P90(分钟)" in rows[0] and "回电按时率" in rows[0]


def test_csv_has_one_row_per_agent_and_a_total(client, mark, kpi_data, at_now):  # noqa: ANN001
    client.force_login(mark)
    rows = _csv(client.get(CSV, RANGE_QS))
    header, body = rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert len(header) == 18
    assert [r["坐席"] for r in body] == ["王丽(1024)", "赵强(1025)", "周多(2024)", "未分派", "合计"]
    alice = body[0]
    assert alice == {
        "坐席": "王丽(1024)",
        "工号": "1024",
        "班组": "热线一组",
        "受理量": "3",
        "已回复": "3",
        "回复率": "100.0%",
        "按时回复": "2",
        "超时回复": "1",
        "按时回复率": "66.7%",
        "未回复": "0",
        "首次响应样本数": "3",
        "首次响应中位数(分钟)": "30.0",
        "首次响应P90(分钟)": "38.0",
        "当前超时": "0",
        "应回电(到期)": "2",
        "按时回电": "1",
        "回电按时率": "50.0%",
        "已解决": "2",
    }
    unassigned, total = body[3], body[4]
    assert (
        unassigned["按时回复率"],
        unassigned["首次响应中位数(分钟)"],
        unassigned["回电按时率"],
    ) == ("", "", "")
    assert (total["受理量"], total["回复率"], total["首次响应P90(分钟)"], total["当前超时"]) == (
        "7",
        "71.4%",
        "52.0",
        "2",
    )


def test_csv_follows_the_filters(client, mark, kpi_data, hotline2, at_now):  # noqa: ANN001
    client.force_login(mark)
    rows = _csv(client.get(CSV, {**RANGE_QS, "team": hotline2.pk}))
    assert [r[0] for r in rows[1:]] == ["周多(2024)", "合计"]


def test_csv_of_an_empty_range_is_just_header_and_zero_total(client, mark, at_now):  # noqa: ANN001
    client.force_login(mark)
    rows = _csv(client.get(CSV, {"date_from": "2026-12-01", "date_to": "2026-12-01"}))
    assert len(rows) == 2 and rows[1][:6] == ["合计", "", "", "0", "0", ""]


def test_csv_neutralises_formulas_in_names(client, mark, kpi_data, alice, at_now):  # noqa: ANN001
    alice.display_name = "=HYPERLINK(1)"
    alice.save()
    client.force_login(mark)
    rows = _csv(client.get(CSV, RANGE_QS))
    assert rows[1][0].startswith("'=")


def test_csv_with_bad_filters_is_a_400(client, mark):  # noqa: ANN001
    client.force_login(mark)
    response = client.get(CSV, {"date_from": "2026-11-12", "date_to": "2026-11-10"})
    assert response.status_code == 400
    assert "结束日期不能早于开始日期" in response.content.decode()


# --- plotly.js ----------------------------------------------------------------------------------


def _plotly_url() -> str:
    from kefu.reports.views import plotly_url

    return plotly_url()


def test_plotly_is_served_locally_with_long_caching(client, db):  # noqa: ANN001
    response = client.get(_plotly_url())
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"plotly.js v" in body[:200]


def test_plotly_is_gzipped_when_the_browser_accepts_it(client, db):  # noqa: ANN001
    response = client.get(_plotly_url(), headers={"accept-encoding": "gzip, deflate, br"})
    assert response["Content-Encoding"] == "gzip"
    assert len(response.content) < 2_000_000
    assert gzip.decompress(response.content)[:200].find(b"plotly.js v") >= 0


def test_plotly_answers_304_to_its_etag(client, db):  # noqa: ANN001
    etag = client.get(_plotly_url())["ETag"]
    assert client.get(_plotly_url(), headers={"if-none-match": etag}).status_code == 304


def test_an_old_plotly_url_redirects_to_the_current_one(client, db):  # noqa: ANN001
    response = client.get(reverse("reports:plotly_js", args=["0000000000000000"]))
    assert response.status_code == 302 and response["Location"] == _plotly_url()
