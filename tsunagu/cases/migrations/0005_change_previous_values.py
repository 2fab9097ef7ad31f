from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0004_case_version'),
    ]

    operations = [
        migrations.AddField(
            model_name='changerequest',
            name='previous_values',
            field=models.JSONField(blank=True, default=dict, null=True, verbose_name='変更前の内容'),
        ),
        migrations.AddField(
            model_name='historicalchangerequest',
            name='previous_values',
            field=models.JSONField(blank=True, default=dict, null=True, verbose_name='変更前の内容'),
        ),
    ]
