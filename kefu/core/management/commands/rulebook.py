"""`kefu rulebook check FILE`: validates a rulebook (CONTRACTS.md 3)."""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kefu.domain.inspection import RulebookInvalid, rulebook_from_path


class Command(BaseCommand):
    help = "规则库:check FILE 校验规则库,逐条指出问题所在的规则和字段"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="validate a rulebook YAML file")
        check.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rulebook = rulebook_from_path(options["file"])
        except RulebookInvalid as exc:
            for problem in exc.problems:
                self.stdout.write(f"{options['file']}:{problem}")
            self.stderr.write(f"规则库无效:{len(exc.problems)} 处问题")
            sys.exit(1)
        severities = Counter(rule.severity for rule in rulebook.rules)
        standards = sorted({s for rule in rulebook.rules for s in rule.standards})
        self.stdout.write(
            f"规则库 {rulebook.name} {rulebook.version} 有效:{len(rulebook.rules)} 条规则"
            f"(critical {severities['critical']},major {severities['major']},minor {severities['minor']}),"
            f"{len(rulebook.patterns)} 个短语,{len(rulebook.scenarios)} 个话术场景;"
            f"覆盖 {len(standards)} 项标准:{', '.join(standards)}"
        )
