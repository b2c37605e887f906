"""The inspection report (`kefu.inspection/1`, CONTRACTS.md 2) as dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Severity = Literal["critical", "major", "minor"]
Verdict = Literal["pass", "fail"]

SEVERITIES: tuple[str, ...] = ("critical", "major", "minor")
DIMENSIONS: tuple[str, ...] = ("service_norms", "attitude", "process", "professionalism")


@dataclass(slots=True)
class Finding:
    rule: str
    standards: tuple[str, ...]
    severity: Severity
    deduction: float
    message: str
    suggestion: str = ""
    segment: int | None = None  # index into conversation.segments; None: whole conversation
    span: tuple[int, int] | None = None  # [start, end) in the segment's original text
    evidence: str = ""
    dimension: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "standards": list(self.standards),
            "severity": self.severity,
            "deduction": _number(self.deduction),
        }
        if self.segment is not None:
            out["segment"] = self.segment
            if self.span is not None:
                out["span"] = [self.span[0], self.span[1]]
        out["evidence"] = self.evidence
        out["message"] = self.message
        out["suggestion"] = self.suggestion
        if self.dimension:
            out["dimension"] = self.dimension
        return out


@dataclass(slots=True)
class Commitment:
    kind: str  # callback
    segment: int
    evidence: str
    due_at: datetime | None
    span: tuple[int, int] | None = None
    hours: float | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "segment": self.segment,
            "evidence": self.evidence,
            "due_at": self.due_at.isoformat() if self.due_at else None,
        }
        if self.span is not None:
            out["span"] = [self.span[0], self.span[1]]
        if self.hours is not None:
            out["hours"] = _number(self.hours)
        return out


@dataclass(slots=True)
class InspectionReport:
    conversation_id: str
    rulebook_name: str
    rulebook_version: str
    score: float
    verdict: Verdict
    findings: list[Finding] = field(default_factory=list)
    commitments: list[Commitment] = field(default_factory=list)
    metrics: dict[str, float | int | None] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # e.g. calendar year without data

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "conversation_id": self.conversation_id,
            "rulebook": {"name": self.rulebook_name, "version": self.rulebook_version},
            "score": _number(self.score),
            "verdict": self.verdict,
            "findings": [f.to_json() for f in self.findings],
            "commitments": [c.to_json() for c in self.commitments],
            "metrics": dict(self.metrics),
        }
        if self.warnings:
            out["warnings"] = list(self.warnings)
        return out


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 2)
