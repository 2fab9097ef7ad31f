from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "tsunagu.surveys"
    label = "surveys"
    verbose_name = "アンケート"

    def ready(self) -> None:
        _register_results()
        _register_follow_ups()


def _register_results() -> None:
    """The aggregates follow every recorded response; the results screens join the menu."""
    from tsunagu.core import navigation, permissions

    from . import aggregates, events

    events.subscribe_responses_recorded(aggregates.add_responses)
    Entry = navigation.Entry
    navigation.register(
        Entry(
            label="アンケート結果",
            url_name="surveys:results",
            permission=permissions.SURVEY_RESULTS,
            order=75,
            active_prefixes=("/surveys/results/",),
            children=(
                Entry(label="集計", url_name="surveys:results", permission=permissions.SURVEY_RESULTS),
                Entry(label="自由記述", url_name="surveys:results_comments", permission=permissions.SURVEY_COMMENTS),
            ),
        )
    )


def _register_follow_ups() -> None:
    """Dissatisfied answers open follow-ups; the worklist is its own menu entry (with the overdue badge)
    because agency staff work follow-ups but do not see the survey definitions (アンケート)."""
    from tsunagu.core import navigation, permissions

    from . import events
    from .services import follow_ups

    events.subscribe_responses_recorded(follow_ups.follow_ups_open_for)
    Entry = navigation.Entry
    navigation.register(
        Entry(
            label="フォローアップ",
            url_name="surveys:follow_ups",
            permission=permissions.SURVEYS_FOLLOW_UP,
            order=72,
            badge=follow_ups.overdue_count,
            active_prefixes=("/surveys/follow-ups/",),
        )
    )
