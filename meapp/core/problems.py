"""Problems found in what a user sent (a file, a form, a JSON body), each with the place it was found.

Every door that takes a whole document (a logframe workbook, a projects file, a values upload) checks
everything first and answers with every problem at once, each naming where it is: "Indicators!C5",
"projects[2].logframe.indicators[0].unit", or "" for the document as a whole. Messages are msgids with
parameters, translated where they are shown.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from meapp.core.messages import N_


@dataclass(frozen=True)
class Problem:
    where: str
    message_id: str
    params: Mapping = field(default_factory=dict)
    severity: str = "error"  # "error" stops the write; "warning" is shown (a missing translation...)

    def text(self, gettext) -> str:
        """The message translated by `gettext` (a function taking the msgid and keyword parameters)."""
        params = dict(self.params)
        if "reason_id" in params:  # a message inside the message (why a rule does not parse): translated first
            params["reason"] = gettext(params.pop("reason_id"), **dict(params.pop("reason_params", None) or {}))
        message = gettext(self.message_id, **params)
        return gettext(N_("%(place)s: %(message)s"), place=self.where, message=message) if self.where else message


class ProblemsError(ValueError):
    """Nothing was written: `problems` lists every error (and the warnings found with them)."""

    status = 422

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(problem.text(_untranslated) for problem in self.problems[:20]))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def _untranslated(message_id: str, **params) -> str:
    try:
        return message_id % params if params else message_id
    except (KeyError, TypeError, ValueError):
        return message_id
