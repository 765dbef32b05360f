"""Form10Person (each learner's cells of form 10-BTCTW per year), Form10Basis and Form10Class (what
they were computed with), filled here from the raw rows and kept up to date by reports.form10_cells."""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    from cadretrain.reports.form10_cells import rebuild

    rebuild(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('catalogue', '0003_db_defaults_for_bulk_loaders'),
        ('org', '0001_initial'),
        ('people', '0003_covering_indexes'),
        ('reports', '0005_unit_classes'),
        ('training', '0004_enrolment_person_class_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='Form10Basis',
            fields=[
                ('item', models.CharField(max_length=40, primary_key=True, serialize=False)),
                ('value', models.TextField(blank=True)),
            ],
        ),
        migrations.CreateModel(
            name='Form10Class',
            fields=[
                ('training_class', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='+', serialize=False, to='training.trainingclass')),
                ('filed', models.CharField(max_length=80)),
            ],
        ),
        migrations.CreateModel(
            name='Form10Person',
            fields=[
                ('pk', models.CompositePrimaryKey('person', 'year', blank=True, editable=False, primary_key=True, serialize=False)),
                ('year', models.PositiveSmallIntegerField()),
                ('tier', models.CharField(blank=True, max_length=16)),
                ('cells', models.TextField(blank=True)),
                ('person', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='people.person')),
            ],
            options={
                'indexes': [models.Index(fields=['year', 'cells'], name='form10person_year_cells')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
