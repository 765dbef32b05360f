"""The nominating unit's index only where one is set (models.Enrolment says why).

The field's `db_index` change is applied to the state only, and its index dropped by name: as an
AlterField, SQLite would have copied the whole enrolment table to drop one index."""

import django.db.models.deletion
from django.db import migrations, models

FULL_INDEX = "training_enrolment_nominating_unit_id_7c36d2c5"


class Migration(migrations.Migration):

    dependencies = [
        ('org', '0001_initial'),
        ('people', '0004_person_in_a_tier_index'),
        ('training', '0004_enrolment_person_class_index'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='enrolment',
                    name='nominating_unit',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='org.orgunit', verbose_name='Đơn vị cử'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{FULL_INDEX}"',
                    f'CREATE INDEX "{FULL_INDEX}" ON "training_enrolment" ("nominating_unit_id")',
                ),
            ],
        ),
        migrations.AddIndex(
            model_name='enrolment',
            index=models.Index(condition=models.Q(('nominating_unit__isnull', False)), fields=['nominating_unit'], name='enrolment_nominating_unit'),
        ),
    ]
