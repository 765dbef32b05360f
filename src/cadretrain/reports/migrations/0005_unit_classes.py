"""UnitClass: the classes each unit's people attend, per class year (the unit-subtree class
counts of the dashboard read it instead of every enrolment of the subtree's people); filled
here from the enrolments, kept up to date by reports.unit_classes."""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    conn = schema_editor.connection
    year = ("CAST(EXTRACT(YEAR FROM c.start_date) AS INTEGER)" if conn.vendor == "postgresql"
            else "CAST(strftime('%Y', c.start_date) AS INTEGER)")
    with conn.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO reports_unitclass (unit_id, year, training_class_id)
            SELECT DISTINCT pe.unit_id, {year}, e.training_class_id
            FROM training_enrolment e JOIN people_person pe ON pe.id = e.person_id
            JOIN training_trainingclass c ON c.id = e.training_class_id ORDER BY 1, 2, 3""")


class Migration(migrations.Migration):

    dependencies = [
        ('org', '0001_initial'),
        ('reports', '0004_derived_rows_without_db_constraints'),
        ('training', '0004_enrolment_person_class_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='UnitClass',
            fields=[
                ('pk', models.CompositePrimaryKey('unit', 'year', 'training_class', blank=True, editable=False, primary_key=True, serialize=False)),
                ('year', models.PositiveSmallIntegerField()),
                ('training_class', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='training.trainingclass')),
                ('unit', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='org.orgunit')),
            ],
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
