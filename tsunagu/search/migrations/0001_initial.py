import django.db.models.deletion
from django.db import migrations, models

SQLITE_FORWARD = [
    # rowid = CustomerDoc.seq. Trigram: substring search for 3+ characters (case folded by us).
    "CREATE VIRTUAL TABLE search_name_tri USING fts5("
    "names, tokenize = 'trigram case_sensitive 1', columnsize = 0)",
    # 1- and 2-character grams, each encoded as one ASCII token (documents.encode_gram).
    "CREATE VIRTUAL TABLE search_name_gram USING fts5("
    "grams, tokenize = 'unicode61 remove_diacritics 0', detail = none, columnsize = 0)",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS search_name_gram", "DROP TABLE IF EXISTS search_name_tri"]

POSTGRESQL_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # Byte order, so that `key >= q AND key < q || U+10FFFF` is exactly "starts with q".
    'ALTER TABLE search_term ALTER COLUMN "key" TYPE varchar(255) COLLATE "C"',
    "ALTER TABLE search_customerdoc ADD COLUMN grams text[] NOT NULL DEFAULT '{}'",
    "CREATE INDEX search_doc_grams ON search_customerdoc USING gin (grams)",
    "CREATE INDEX search_doc_names_trgm ON search_customerdoc USING gin (names gin_trgm_ops)",
    "CREATE SEQUENCE search_doc_seq",
]
POSTGRESQL_BACKWARD = [
    "DROP SEQUENCE IF EXISTS search_doc_seq",
    "DROP INDEX IF EXISTS search_doc_names_trgm",
    "DROP INDEX IF EXISTS search_doc_grams",
    "ALTER TABLE search_customerdoc DROP COLUMN IF EXISTS grams",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("customers", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="CustomerDoc",
            fields=[
                (
                    "customer",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_doc",
                        serialize=False,
                        to="customers.customer",
                        verbose_name="顧客",
                    ),
                ),
                ("seq", models.BigIntegerField(unique=True, verbose_name="索引順序")),
                ("names", models.TextField(verbose_name="氏名キー")),
                ("keys", models.TextField(verbose_name="検索キー")),
                ("activity_at", models.DateTimeField(verbose_name="最終活動日時")),
            ],
            options={
                "db_table": "search_customerdoc",
                "verbose_name": "検索索引(顧客)",
                "verbose_name_plural": "検索索引(顧客)",
            },
        ),
        migrations.CreateModel(
            name="SearchTerm",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(max_length=2, verbose_name="種別")),
                ("key", models.CharField(max_length=255, verbose_name="キー")),
                ("seq", models.BigIntegerField(verbose_name="索引順序")),
                (
                    "customer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="customers.customer",
                        verbose_name="顧客",
                    ),
                ),
            ],
            options={
                "db_table": "search_term",
                "verbose_name": "検索索引(キー)",
                "verbose_name_plural": "検索索引(キー)",
                "indexes": [models.Index(fields=["kind", "key", "seq", "customer"], name="search_term_lookup")],
            },
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="NameTrigramFts",
                    fields=[
                        ("rowid", models.BigIntegerField(primary_key=True, serialize=False)),
                        ("names", models.TextField()),
                    ],
                    options={
                        "db_table": "search_name_tri",
                        "verbose_name": "検索索引(trigram)",
                        "verbose_name_plural": "検索索引(trigram)",
                    },
                ),
                migrations.CreateModel(
                    name="NameGramFts",
                    fields=[
                        ("rowid", models.BigIntegerField(primary_key=True, serialize=False)),
                        ("grams", models.TextField()),
                    ],
                    options={
                        "db_table": "search_name_gram",
                        "verbose_name": "検索索引(bigram)",
                        "verbose_name_plural": "検索索引(bigram)",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRESQL_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRESQL_BACKWARD}),
            elidable=False,
        ),
    ]
