"""Seed the internal-audit checklist of 安全管理措置 (金融分野ガイドライン 実務指針; the 2025 supervisory
revision's points on secondees and data sent to other insurers). Edited later in the admin."""

from django.db import migrations

ITEMS = (
    ("O-01", "organisational", "個人データの取扱責任者・取扱者が定められ、役割と権限が周知されている。"),
    ("O-02", "organisational", "個人データ管理台帳(取り扱う項目・保管場所・利用者・保存期間)が最新である。"),
    ("O-03", "organisational", "漏えい等が発生した(おそれがある)場合の報告連絡体制が整備され、従業者に周知されている。"),
    ("O-04", "organisational", "取扱規程に沿った運用を定期的に自己点検し、結果を記録している。"),
    ("H-01", "human", "従業者(派遣社員・出向者を含む)から秘密保持の誓約を取得している。"),
    ("H-02", "human", "個人情報保護の研修を年1回以上実施し、受講を記録している。"),
    ("H-03", "human", "出向者が出向元の保険会社へ代理店の顧客情報を送付しない取決めがあり、守られている。"),
    ("P-01", "physical", "顧客情報を取り扱う区域への入退室を管理している。"),
    ("P-02", "physical", "顧客情報を含む書類・媒体を施錠保管し、持出しを記録している。"),
    ("P-03", "physical", "不要になった書類・媒体は復元できない方法で廃棄し、記録している。"),
    ("P-04", "physical", "端末・媒体の盗難や紛失を防ぐ措置(施錠保管・ワイヤーロック等)をとっている。"),
    ("T-01", "technical", "利用者ごとのIDと多要素認証で本人を識別し、IDを共有していない。"),
    ("T-02", "technical", "アクセス権は業務に必要な範囲に限られ、異動・退職時に直ちに変更・削除されている。"),
    ("T-03", "technical", "アクセスログを定期的に確認し、不審な閲覧を検知・報告している。"),
    ("T-04", "technical", "顧客情報の外部送信(メール・クラウド)に暗号化と誤送信防止の措置がある。"),
    ("T-05", "technical", "他の保険会社への顧客情報の提供は、本人の同意または委託契約に基づき、記録されている。"),
)


def seed(apps, schema_editor):
    Item = apps.get_model("compliance", "AuditChecklistItem")
    for order, (code, category, text) in enumerate(ITEMS, start=1):
        Item.objects.get_or_create(code=code, defaults={"category": category, "text": text, "order": order * 10})


def unseed(apps, schema_editor):
    apps.get_model("compliance", "AuditChecklistItem").objects.filter(code__in=[c for c, _, _ in ITEMS]).delete()


class Migration(migrations.Migration):
    dependencies = [("compliance", "0004_registers")]
    operations = [migrations.RunPython(seed, unseed)]
