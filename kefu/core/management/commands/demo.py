from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "演示:迁移数据库、载入演示数据、打印登录账号,并启动网页服务和任务进程"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("KEFU_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--no-serve", action="store_true", help="prepare only, do not start servers"
        )
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args: Any, **options: Any) -> None:
        from django.conf import settings

        from kefu.core.demo import demo_load, demo_logins
        from kefu.core.seed import seed_all

        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", verbosity=0, interactive=False, skip_checks=True)
        call_command("collectstatic", verbosity=0, interactive=False)
        seed_all()
        mail_backend = settings.EMAIL_BACKEND
        settings.EMAIL_BACKEND = (
            "django.core.mail.backends.locmem.EmailBackend"  # no mail for history
        )
        try:
            loaded = demo_load()
        finally:
            settings.EMAIL_BACKEND = mail_backend
        if loaded:
            self.stdout.write(
                f"演示数据:{loaded['users']} 个账号,{loaded['customers']} 位客户,"
                f"{loaded['tickets']} 张工单,{loaded.get('conversations', 0)} 个质检对话"
            )
        self.stdout.write("\n登录账号(密码相同):")
        for username, password, label in demo_logins():
            self.stdout.write(f"  {username:<12} {password:<10} {label}")
        self.stdout.write("  接口令牌(演示话务系统):demo-telephony-token-0123456789")
        url = f"http://{options['bind']}/"
        self.stdout.write(f"\n网页: {url}   接口文档: {url}api/docs   后台配置: {url}admin/\n")
        if options["no_serve"]:
            return
        kefu = [sys.executable, "-m", "kefu.cli"]
        worker = subprocess.Popen([*kefu, "worker"])
        web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "kefu.wsgi",
                "--bind",
                options["bind"],
                "--workers",
                str(options["workers"]),
                "--threads",
                "4",
                "--access-logfile",
                "-",
            ]
        )
        self.stdout.write("按 Ctrl-C 停止。")
        try:
            web.wait()
        except KeyboardInterrupt:
            pass
        finally:
            for proc in (web, worker):
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in (web, worker):
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
