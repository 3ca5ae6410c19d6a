import datetime as dt

from sqlalchemy import select

from meapp import dashboard
from meapp.submissions.models import Submission, SubmissionStatus


def test_implementer_sees_pending_work_of_own_projects_only(tx, user):
    board = dashboard.build(user("impl.enabel@example.org"), today=dt.date(2021, 1, 1))
    assert {p.code for p in board.projects} == {"PALIM"}
    rows = [(d.project.code, d.period, d.status) for d in board.deadlines]
    assert ("PALIM", "2020Q3", "submitted") in rows
    assert ("PALIM", "2020Q4", "draft") in rows
    missing = [r for r in rows if r[2] == "missing"]
    assert missing == [("PALIM", "2021Q1", "missing")]  # the next one to report; older gaps are counted
    assert board.more_missing >= 1
    assert all(d.status != "approved" for d in board.deadlines)
    late = {(d.period, d.is_late) for d in board.deadlines}
    assert ("2020Q4", False) in late  # due 30 January 2021


def test_donor_sees_what_awaits_approval_in_funded_projects(tx, user):
    board = dashboard.build(user("donor.bmz@example.org"))
    assert {p.code for p in board.projects} == {"KOSOVO-SPM"}
    assert board.awaiting_approval
    assert all(s.status is SubmissionStatus.SUBMITTED for s in board.awaiting_approval)
    assert {s.project.code for s in board.awaiting_approval} == {"KOSOVO-SPM"}


def test_secretariat_sees_everything_awaiting(tx, user):
    board = dashboard.build(user("secretariat@example.org"))
    submitted = tx.scalars(select(Submission).where(Submission.status == SubmissionStatus.SUBMITTED)).all()
    assert len(board.awaiting_approval) == len(submitted)
    assert len(board.projects) == 22
