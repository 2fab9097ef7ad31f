from django.db import migrations, models


def fill_invitation_counts(apps, schema_editor):
    """Invitations already sent: their counts added to the rollup (what aggregates.rebuild adds)."""
    if not apps.get_model("surveys", "Invitation").objects.filter(sent_at__isnull=False).exists():
        return
    from tsunagu.surveys import aggregates
    from tsunagu.surveys.models import Invitation

    aggregates.add_to_rollup(aggregates.count_invitations(Invitation.objects.all()))


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0002_dashboard_rollup"),
    ]

    operations = [
        migrations.AddField(
            model_name="responserollup",
            name="invitations_sent",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="responserollup",
            name="invitations_answered",
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunPython(fill_invitation_counts, migrations.RunPython.noop),
    ]
