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


class PairStatus(models.TextChoices):
    REVIEW = "review", "要確認"
    AUTO_LINKED = "auto_linked", "自動統合"
    LINKED = "linked", "統合(確認済み)"
    NOT_LINKED = "not_linked", "別人(確認済み)"


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
