"""The cube's bookkeeping for cheap incremental refreshes.

* City rows (unit NULL) get their own unique keys (NULL units are distinct in the cell keys), so
  a refresh can move them by a difference with an upsert.
* CubeClass records the whole city cell (year, programme, abroad) a class is counted under.
* PersonCell: each person's enrolment counts per year × programme × abroad, what a single
  enrolment's refresh compares before and after the change.

Both are filled here from the raw rows (the cube itself is unchanged)."""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    conn = schema_editor.connection
    if conn.vendor == "postgresql":
        year = "CAST(EXTRACT(YEAR FROM c.start_date) AS INTEGER)"
    else:
        year = "CAST(strftime('%Y', c.start_date) AS INTEGER)"
    with conn.cursor() as cursor:
        cursor.execute(
            """UPDATE reports_cubeclass SET
                programme_id = (SELECT c.programme_id FROM training_trainingclass c
                                WHERE c.id = reports_cubeclass.training_class_id),
                abroad = (SELECT c.country <> 'VN' FROM training_trainingclass c
                          WHERE c.id = reports_cubeclass.training_class_id)"""
        )
        cursor.execute(
            f"""INSERT INTO reports_personcell (person_id, year, programme_id, abroad, enrolments, nominated,
                                                enrolled, completed, failed, withdrawn, periods)
            SELECT e.person_id, {year}, c.programme_id, c.country <> 'VN',
                   SUM(CASE WHEN e.status <> 'WITHDRAWN' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN e.status = 'NOMINATED' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN e.status = 'ENROLLED' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN e.status = 'COMPLETED' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN e.status = 'FAILED' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN e.status = 'WITHDRAWN' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN e.status = 'COMPLETED' THEN p.periods ELSE 0 END)
            FROM training_enrolment e
            JOIN training_trainingclass c ON c.id = e.training_class_id
            JOIN catalogue_programme p ON p.id = c.programme_id
            GROUP BY e.person_id, {year}, c.programme_id, c.country <> 'VN'"""
        )


class Migration(migrations.Migration):

    dependencies = [
        ('catalogue', '0003_db_defaults_for_bulk_loaders'),
        ('org', '0001_initial'),
        ('people', '0003_covering_indexes'),
        ('reports', '0002_learnercell_summary_rows'),
        ('training', '0003_covering_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='PersonCell',
            fields=[
                ('pk', models.CompositePrimaryKey('person', 'year', 'programme', 'abroad', blank=True, editable=False, primary_key=True, serialize=False)),
                ('person', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='people.person')),
                ('year', models.PositiveSmallIntegerField()),
                ('programme', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='catalogue.programme')),
                ('abroad', models.BooleanField()),
                ('enrolments', models.PositiveIntegerField(default=0)),
                ('nominated', models.PositiveIntegerField(default=0)),
                ('enrolled', models.PositiveIntegerField(default=0)),
                ('completed', models.PositiveIntegerField(default=0)),
                ('failed', models.PositiveIntegerField(default=0)),
                ('withdrawn', models.PositiveIntegerField(default=0)),
                ('periods', models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.AddField(
            model_name='cubeclass',
            name='abroad',
            field=models.BooleanField(null=True),
        ),
        migrations.AddField(
            model_name='cubeclass',
            name='programme',
            field=models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='catalogue.programme'),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='learnercell',
            constraint=models.UniqueConstraint(condition=models.Q(('unit__isnull', True)), fields=('year', 'series'), name='learnercell_city_key'),
        ),
        migrations.AddConstraint(
            model_name='summarycell',
            constraint=models.UniqueConstraint(condition=models.Q(('unit__isnull', True)), fields=('year', 'programme', 'abroad'), name='summarycell_city_key'),
        ),
    ]
