"""`manage.py dsr_export CUSTOMER_NUMBER --out DIR [--user USERNAME] [--request NUMBER]`: everything
held about the customer, for a disclosure request (開示), as DIR/<number>.json and DIR/<number>.pdf.
The export is logged as an export of the customer's data by the named member of staff, or, without
--user, by `system` (whoever runs commands on the server). With --request (a verified 開示 request of
this customer, e.g. D2026-0001) the request records the export, as the request page's buttons do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagu.compliance.disclosure import disclosure_build
from tsunagu.compliance.disclosure_files import disclosure_pdf
from tsunagu.compliance.dsr_services import dsr_disclosure
from tsunagu.compliance.forms import CUSTOMER_NUMBER
from tsunagu.compliance.models import DataSubjectRequest
from tsunagu.core.context import request_context
from tsunagu.core.models import User
from tsunagu.core.services import system_user
from tsunagu.customers.models import Customer


class Command(BaseCommand):
    help = "開示請求に回答するため、顧客について保有するすべての個人データを JSON と PDF に出力します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("customer", help="顧客番号(例: K000000011)")
        parser.add_argument("--out", required=True, help="出力先のフォルダ")
        parser.add_argument(
            "--user", help="出力する担当者のユーザー名(アクセスログに記録されます。省略時は system)", default=None
        )
        parser.add_argument("--request", help="対応する開示等の請求の受付番号(例: D2026-0001)", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        match = CUSTOMER_NUMBER.match(options["customer"].strip())
        if not match:
            raise CommandError(f"顧客番号の形式が正しくありません(例: K000000011、指定: {options['customer']!r})。")
        if options["user"]:
            user = User.objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(f"ユーザー名「{options['user']}」の有効な利用者が見つかりません。")
        else:
            user = system_user()
        customer = Customer.objects.visible_to(user).filter(pk=int(match.group(1))).first()
        if customer is None:
            raise CommandError(f"顧客 {options['customer']} は見つかりません。")
        request = None
        if options["request"]:
            request = DataSubjectRequest.objects.filter(number=options["request"].strip()).first()
            if request is None or request.customer_id != customer.pk:
                raise CommandError(f"顧客 {customer.number} の開示等の請求「{options['request']}」は見つかりません。")
        out = Path(options["out"])
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CommandError(f"出力先のフォルダを作成できません: {out}({error.strerror})") from None
        with request_context(screen="コマンド:dsr_export"):
            try:
                if request is not None:
                    disclosure = dsr_disclosure(actor=user, request=request)
                else:
                    disclosure = disclosure_build(user=user, customer=customer)
            except PermissionDenied as error:
                raise CommandError(str(error)) from None
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
        json_path = out / f"{customer.number}.json"
        pdf_path = out / f"{customer.number}.pdf"
        json_path.write_text(disclosure.as_json(), encoding="utf-8")
        pdf_path.write_bytes(disclosure_pdf(disclosure))
        rows = sum(len(s.rows) for s in disclosure.sections)
        self.stdout.write(
            f"{customer.number} の保有個人データを出力しました: {len(disclosure.sections)}表 {rows:,}行"
            f" → {json_path}、{pdf_path}"
        )
