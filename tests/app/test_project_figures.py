"""The figures on a project page are those of its documents: approved values, one cumulative rule."""
import datetime as dt
import re

from sqlalchemy import select

from meapp.projects.models import Project
from meapp.reports import loader
from meapp.reports.iptt import build_iptt
from meapp.reports.loader import default_until
from meapp.reports.model import build_progress_report
from meapp.results.queries import project_page

TODAY = dt.date(2026, 12, 1)


def test_every_demo_indicator_shows_the_figures_of_its_iptt_and_progress_report(tx):
    projects = tx.scalars(select(Project).where(Project.is_demo.is_(True)).order_by(Project.code)).all()
    assert len(projects) == 22
    until = default_until(projects)
    compared, differences = 0, []
    for project in projects:
        page = project_page(project, include_drafts=True)
        shown = {row.indicator.code: (row.to_date(page.periods), row.percent_of_target(page.periods))
                 for node in page.levels for row in node.rows}
        data = loader.load_project(project, until[project.id])
        iptt = {row.code: (row.to_date, None if row.of_lop is None else row.of_lop * 100)
                for row in build_iptt(data, "en", TODAY).rows}
        report = {row.code: (row.raw_to_date, None if row.raw_of_end is None else row.raw_of_end * 100)
                  for section in build_progress_report(data, "en", TODAY).sections for row in section.rows}
        for code, figures in shown.items():
            compared += 1
            if not (figures == iptt.get(code) == report.get(code)):
                differences.append((project.code, code, figures, iptt.get(code), report.get(code)))
    assert compared > 100
    assert differences == []


def _dd(html: str, term: str, code: str) -> str:
    article = html[html.index(f'id="ind-{code}"'):]
    return re.search(rf"<dt>{term}</dt><dd>(.*?)</dd>", article, re.S).group(1)


def test_pending_values_are_shown_apart_and_labelled(client, login, tx):
    """MATCH has submitted quarters after its last approved one: the page says so, apart."""
    project = tx.scalar(select(Project).where(Project.code == "MATCH"))
    page = project_page(project, include_drafts=True)
    rows = {row.indicator.code: row for node in page.levels for row in node.rows}
    pending = {code for code, row in rows.items() if row.pending_to_date(page.periods) is not None}
    assert pending, "the demo should have MATCH values awaiting approval"
    html = login("impl.iom@example.org").get("/projects/MATCH").get_data(as_text=True)
    code = sorted(pending)[0]
    actual = _dd(html, "Actual to date", code)
    assert "(approved values)" in actual and "Including values not yet approved" in actual


def test_grid_and_documents_offer_the_same_categories_for_every_demo_indicator(tx):
    """Which countries a disaggregation offers was decided twice, and a project without countries differed."""
    from meapp.submissions import grid as grid_module

    projects = tx.scalars(select(Project).where(Project.is_demo.is_(True))).all()
    checked, differences = 0, []
    for project in projects:
        data = loader.load_project(project, None)
        in_documents = {(i.code, d.key): tuple(c.key for c in d.categories) for i in data.indicators
                        for d in i.disaggregations}
        periods = project.periods()
        if not periods:
            continue
        grid = grid_module.build(project, periods[0].code)
        for block in grid.blocks:
            for row in block.rows:
                for dtype, cells in row.groups:
                    checked += 1
                    keys = tuple(c.combination.split("=", 1)[1] for c in cells)
                    if in_documents.get((row.indicator.code, dtype.key)) != keys:
                        differences.append((project.code, row.indicator.code, dtype.key))
    assert checked > 20 and differences == []
