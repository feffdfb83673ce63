import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('actions', '0002_action_metrics'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ActionPilotRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('requested_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='demandé le')),
                ('action', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='actions.action')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'demande pour piloter une action',
                'verbose_name_plural': 'demandes pour piloter une action',
                'constraints': [models.UniqueConstraint(fields=('action', 'user'), name='action_pilot_request_once')],
            },
        ),
        migrations.CreateModel(
            name='ActionReminder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('current_year', 'Indicateurs de l\'année en cours (15 décembre)'), ('previous_year', 'Indicateurs de l\'année écoulée (20 janvier)')], max_length=20, verbose_name='relance')),
                ('year', models.PositiveSmallIntegerField(verbose_name='année des indicateurs')),
                ('sent_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='envoyée le')),
                ('action', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='actions.action')),
            ],
            options={
                'verbose_name': 'relance des indicateurs',
                'verbose_name_plural': 'relances des indicateurs',
                'constraints': [models.UniqueConstraint(fields=('action', 'kind', 'year'), name='action_reminder_once'), models.CheckConstraint(condition=models.Q(('kind__in', ['current_year', 'previous_year'])), name='action_reminder_kind_valid')],
            },
        ),
    ]
