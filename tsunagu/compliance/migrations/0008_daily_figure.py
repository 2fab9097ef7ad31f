from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0007_access_log_monitoring_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="DailyFigure",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("rule", models.CharField(max_length=30)),
                ("user_id", models.BigIntegerField()),
                ("day", models.DateField()),
                ("value", models.PositiveIntegerField()),
            ],
            options={
                "verbose_name": "監視ルールの日次集計",
                "verbose_name_plural": "監視ルールの日次集計",
                "constraints": [models.UniqueConstraint(fields=("rule", "day", "user_id"), name="daily_figure_once")],
            },
        ),
    ]
