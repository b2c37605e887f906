"""Problems of a rulebook: each names the rule and the field, so a site can fix its copy."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RulebookProblem:
    rule: str  # rule id, "" for the rulebook as a whole
    field: str  # dotted path inside the rule (or the document), e.g. "flag.phrases.any[2]"
    reason: str  # Chinese

    def __str__(self) -> str:
        if self.rule and self.field:
            return f"规则 {self.rule} 的字段 {self.field}:{self.reason}"
        if self.rule:
            return f"规则 {self.rule}:{self.reason}"
        if self.field:
            return f"字段 {self.field}:{self.reason}"
        return self.reason


class RulebookInvalid(ValueError):
    def __init__(self, problems: list[RulebookProblem], source: str = "") -> None:
        self.problems = problems
        self.source = source
        head = f"{source}:" if source else ""
        super().__init__(head + ";".join(str(p) for p in problems[:5]))
