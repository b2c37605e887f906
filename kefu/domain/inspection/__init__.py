"""Conversation inspection (质检): the rulebook as data, check operators, scoring and reports.

Public API (used by the quality app, agent assist and the `kefu inspect` command)::

    rb = default_rulebook()                       # or rulebook_from_path / rulebook_from_yaml
    report = inspect(conversation, rb, calendar=calendar)
    report.to_json()                              # kefu.inspection/1 (CONTRACTS.md 2)
"""

from kefu.domain.inspection import compiled

# Before any submodule is imported: the mypyc build of these very sources, when there is one.
compiled.activate(__path__)

from kefu.domain.inspection.engine import (  # noqa: E402
    DEFAULT_RULEBOOK,
    Opening,
    ScoringTerms,
    default_rulebook,
    draft_check,
    expected_opening,
    inspect,
    rescore,
    scoring_terms,
)
from kefu.domain.inspection.problems import RulebookInvalid, RulebookProblem  # noqa: E402
from kefu.domain.inspection.report import Commitment, Finding, InspectionReport  # noqa: E402
from kefu.domain.inspection.rulebook import (  # noqa: E402
    CompiledRulebook,
    Rule,
    Scenario,
    rulebook_check,
    rulebook_from_path,
    rulebook_from_yaml,
)

__all__ = [
    "DEFAULT_RULEBOOK",
    "Commitment",
    "CompiledRulebook",
    "Finding",
    "InspectionReport",
    "Opening",
    "Rule",
    "RulebookInvalid",
    "RulebookProblem",
    "Scenario",
    "ScoringTerms",
    "default_rulebook",
    "draft_check",
    "expected_opening",
    "inspect",
    "rescore",
    "rulebook_check",
    "rulebook_from_path",
    "rulebook_from_yaml",
    "scoring_terms",
]
