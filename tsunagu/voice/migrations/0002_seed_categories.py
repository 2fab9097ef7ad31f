"""Seed the two-level category list (§g, with the complaint reasons of §d.3 under 不満); the admin
maintains it afterwards."""

from django.db import migrations

CATEGORIES = [
    # (code, name, kind, children)
    (
        "praise",
        "感謝(お褒め)",
        "praise",
        [
            ("praise-staff", "担当者の対応"),
            ("praise-claim", "事故対応"),
            ("praise-explain", "わかりやすい説明"),
            ("praise-speed", "迅速な手続"),
        ],
    ),
    (
        "dissatisfaction",
        "不満(苦情)",
        "dissatisfaction",
        [
            ("dis-explain", "説明不足"),
            ("dis-attitude", "接客態度"),
            ("dis-delay", "手続遅延"),
            ("dis-error", "事務ミス"),
            ("dis-payable", "支払可否"),
            ("dis-amount", "支払額"),
            ("dis-speed", "対応スピード"),
            ("dis-cancel", "解約手続"),
            ("dis-privacy", "個人情報の取扱い"),
        ],
    ),
    (
        "request",
        "要望(ご意見)",
        "request",
        [("req-product", "商品・補償"), ("req-procedure", "手続・書類"), ("req-web", "Web・アプリ")],
    ),
    ("other", "その他", "other", []),
]


def seed(apps, schema_editor):
    Category = apps.get_model("voice", "VoiceCategory")
    for order, (code, name, kind, children) in enumerate(CATEGORIES, start=1):
        parent, _ = Category.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "order": order * 10}
        )
        for child_order, (child_code, child_name) in enumerate(children, start=1):
            Category.objects.get_or_create(
                code=child_code,
                defaults={"name": child_name, "kind": kind, "parent": parent, "order": order * 10 + child_order},
            )


class Migration(migrations.Migration):
    dependencies = [("voice", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
