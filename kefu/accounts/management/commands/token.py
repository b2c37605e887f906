"""`kefu token create|list|revoke`: API keys for integrations (telephony, chat, shop).

The key is printed once, on stdout alone, so that `KEY=$(kefu token create ...)` works; only its
sha256 is stored.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kefu.accounts.api_auth import token_create, token_revoke
from kefu.accounts.models import ApiToken, User


def _errors(exc: ValidationError) -> str:
    return ";".join(str(m) for m in exc.messages)


class Command(BaseCommand):
    help = "接口令牌:create 新建(密钥只显示一次);list 列出;revoke PREFIX 停用"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token and print its key once")
        create.add_argument("--user", required=True, help="username the token acts as")
        create.add_argument(
            "--name", required=True, help="what the token is for, e.g. 呼叫中心接口"
        )
        lst = sub.add_parser("list", help="list tokens (prefix, name, user, state, last use)")
        lst.add_argument("--all", action="store_true", help="include revoked tokens")
        revoke = sub.add_parser("revoke", help="deactivate the token with this prefix")
        revoke.add_argument("prefix", help="the 8-character prefix `token list` shows")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            self._create(options["user"], options["name"])
        elif action == "list":
            self._list(options["all"])
        else:
            self._revoke(options["prefix"])

    def _create(self, username: str, name: str) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"找不到用户 {username}")
        try:
            token, key = token_create(user=user, name=name)
        except ValidationError as exc:
            raise CommandError(_errors(exc)) from exc
        self.stderr.write(
            f"已为 {user.username} 创建令牌“{token.name}”(前缀 {token.prefix})。"
            "密钥只显示这一次,请立即保存:"
        )
        self.stdout.write(key)

    def _list(self, include_revoked: bool) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("-created_at")
        if not include_revoked:
            tokens = tokens.filter(active=True)
        rows = [("前缀", "名称", "用户", "状态", "创建时间", "最近使用")]
        for t in tokens:
            rows.append(
                (
                    t.prefix,
                    t.name,
                    t.user.username,
                    "启用" if t.active else "已停用",
                    f"{timezone.localtime(t.created_at):%Y-%m-%d %H:%M}",
                    f"{timezone.localtime(t.last_used_at):%Y-%m-%d %H:%M}"
                    if t.last_used_at
                    else "-",
                )
            )
        if len(rows) == 1:
            self.stderr.write("没有令牌")
            return
        for row in rows:
            self.stdout.write("\t".join(row))

    def _revoke(self, prefix: str) -> None:
        try:
            token = token_revoke(prefix=prefix)
        except ValidationError as exc:
            raise CommandError(_errors(exc)) from exc
        self.stdout.write(f"已停用令牌“{token.name}”({token.prefix},用户 {token.user.username})")
