"""The customer search index. Derived data only: `rebuild_search_index` recreates all of it.

Portable tables (both databases):
- CustomerDoc: one row per customer. `seq` grows on every (re)index, so "most recently changed"
  is "highest seq"; every lookup orders by it and can stop after the first rows it needs.
- SearchTerm: (kind, key, seq, customer) rows behind a covering B-tree index, for exact and
  prefix lookups (`key >= q AND key < q || U+10FFFF`, never LIKE: see docs/search.md).

Per database (created by migration 0001, see backends.py):
- SQLite: FTS5 tables `search_name_tri` (trigram) and `search_name_gram` (unicode61 over
  encoded 1–2 character grams), rowid = CustomerDoc.seq. They are declared below as models only
  so that Django's flush (used by transactional tests) empties them; never query them via ORM.
- PostgreSQL: `pg_trgm` GIN index on CustomerDoc.names, a `grams text[]` column with a GIN index,
  a sequence for `seq`, and C collation on SearchTerm.key so that B-tree ranges are prefixes.
"""

from __future__ import annotations

from django.db import models

from tsunagu.customers.models import Customer


class CustomerDoc(models.Model):
    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, primary_key=True, related_name="search_doc", verbose_name="顧客"
    )
    seq = models.BigIntegerField("索引順序", unique=True)
    names = models.TextField("氏名キー")
    keys = models.TextField("検索キー")
    activity_at = models.DateTimeField("最終活動日時")

    class Meta:
        db_table = "search_customerdoc"
        verbose_name = verbose_name_plural = "検索索引(顧客)"

    def __str__(self) -> str:
        return f"{self.customer_id}#{self.seq}"


class SearchTerm(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+", verbose_name="顧客")
    kind = models.CharField("種別", max_length=2)
    key = models.CharField("キー", max_length=255)
    seq = models.BigIntegerField("索引順序")

    class Meta:
        db_table = "search_term"
        verbose_name = verbose_name_plural = "検索索引(キー)"
        indexes = [models.Index(fields=["kind", "key", "seq", "customer"], name="search_term_lookup")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"


class NameTrigramFts(models.Model):
    """SQLite only (FTS5 virtual table); declared so that flush empties it."""

    rowid = models.BigIntegerField(primary_key=True)
    names = models.TextField()

    class Meta:
        db_table = "search_name_tri"
        verbose_name = verbose_name_plural = "検索索引(trigram)"

    def __str__(self) -> str:
        return self.names


class NameGramFts(models.Model):
    """SQLite only (FTS5 virtual table); declared so that flush empties it."""

    rowid = models.BigIntegerField(primary_key=True)
    grams = models.TextField()

    class Meta:
        db_table = "search_name_gram"
        verbose_name = verbose_name_plural = "検索索引(bigram)"

    def __str__(self) -> str:
        return self.grams
