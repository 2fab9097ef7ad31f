from django.db import models


class BatchStatus(models.TextChoices):
    DONE = "done", "取込完了"
    DONE_WITH_ERRORS = "done_with_errors", "一部エラーあり"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "待機中"
    RUNNING = "running", "実行中"
    DONE = "done", "完了"
    FAILED = "failed", "失敗"


class RunKind(models.TextChoices):
    FULL = "full", "全件照合"
    TRAIN = "train", "モデル学習"


class PairKind(models.TextChoices):
    """What a candidate pair asks: one person twice (merge), or a person and a corporation that
    are related (owner and company; recorded as a relation, never merged)."""

    MATCH = "match", "名寄せ候補"
    RELATED = "related", "関連候補(法人と代表者)"


class PairStatus(models.TextChoices):
    REVIEW = "review", "要確認"
    AUTO_LINKED = "auto_linked", "自動統合"
    LINKED = "linked", "統合(確認済み)"
    NOT_LINKED = "not_linked", "別人(確認済み)"
    # Decisions on related pairs (PairKind.RELATED) only.
    RELATED = "related", "関連として登録済み"
    UNRELATED = "unrelated", "関連なし(確認済み)"


# A steward's decision: kept by later runs.
DECIDED_STATUSES = (PairStatus.LINKED, PairStatus.NOT_LINKED, PairStatus.RELATED, PairStatus.UNRELATED)


class RelationRole(models.TextChoices):
    """The person's part in the corporation (CustomerRelation)."""

    REPRESENTATIVE = "representative", "代表者"
    ASSOCIATE = "associate", "関係者"


class MergeStatus(models.TextChoices):
    ACTIVE = "active", "統合中"
    UNDONE = "undone", "統合解除済み"


class LineageRule(models.TextChoices):
    VERIFIED = "verified", "確認済みの値"
    PRIORITY = "priority", "ソース優先度"
    RECENT = "recent", "最新"
    COMPLETE = "complete", "最も詳しい値"
    ONLY = "only", "唯一の値"
    MANUAL = "manual", "手動"
    EXISTING = "existing", "既存の顧客情報"
