from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "tsunagu.surveys"
    label = "surveys"
    verbose_name = "アンケート"

    def ready(self) -> None:
        _register_definitions()
        _register_results()
        _register_follow_ups()


def _register_definitions() -> None:
    """The survey menu (definitions, import); other screens of the app add their own children."""
    from tsunagu.core import navigation, permissions

    Entry = navigation.Entry
    navigation.register(
        Entry(
            label="アンケート",
            url_name="surveys:list",
            permission=permissions.SURVEYS_VIEW,
            order=70,
            active_prefixes=(
                "/surveys/s/",
                "/surveys/new/",
                "/surveys/imports/",
                "/surveys/triggers/",
                "/surveys/invitations/",
            ),
            children=(
                Entry(label="アンケート一覧", url_name="surveys:list", permission=permissions.SURVEYS_VIEW),
                Entry(label="回答の取込", url_name="surveys:imports", permission=permissions.SURVEYS_IMPORT),
                Entry(label="送付状況", url_name="surveys:invitation_status", permission=permissions.SURVEYS_VIEW),
                Entry(label="送付ルール", url_name="surveys:triggers", permission=permissions.SURVEYS_MANAGE),
            ),
        )
    )


def _register_results() -> None:
    """The aggregates follow every recorded response; the results screens join the menu."""
    from tsunagu.core import navigation, permissions

    from . import aggregates, events

    events.subscribe_responses_recorded(aggregates.add_responses)
    events.subscribe_responses_recorded(aggregates.add_answered_invitations)
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
    because agency staff work follow-ups but do not see the survey definitions (アンケート); the
    postcard/phone entry sits beside it for the same reason."""
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
            active_prefixes=("/surveys/follow-ups/", "/surveys/entry/"),
            # The returned postcards are entered by the same people who follow the answers up (agency
            # staff among them, who do not see the survey definitions under アンケート).
            children=(
                Entry(
                    label="フォローアップ一覧", url_name="surveys:follow_ups", permission=permissions.SURVEYS_FOLLOW_UP
                ),
                Entry(
                    label="はがき・電話の回答入力",
                    url_name="surveys:entry_lookup",
                    permission=permissions.SURVEYS_ENTER,
                ),
            ),
        )
    )
