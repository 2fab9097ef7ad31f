from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "tsunagu.surveys"
    label = "surveys"
    verbose_name = "アンケート"

    def ready(self) -> None:
        _register_results()


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
