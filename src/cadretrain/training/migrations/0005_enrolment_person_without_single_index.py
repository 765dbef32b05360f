"""Drop the single-column index of Enrolment.person: the (person, …) indexes start with the same
column. Dropped by name rather than by AlterField, which SQLite would carry out by copying the
whole table."""

import django.db.models.deletion
from django.db import migrations, models

COLUMN = ["person_id"]


def drop_single_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    table = apps.get_model("training", "Enrolment")._meta.db_table
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    for name, info in sorted(constraints.items()):
        if (info["index"] and not info["unique"] and not info["primary_key"]
                and info["columns"] == COLUMN):
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def create_single_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    model = apps.get_model("training", "Enrolment")
    schema_editor.execute(schema_editor._create_index_sql(model, fields=[model._meta.get_field("person")]))


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0003_covering_indexes'),
        ('training', '0004_enrolment_person_class_index'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop_single_index, create_single_index)],
            state_operations=[
                migrations.AlterField(
                    model_name='enrolment',
                    name='person',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='enrolments', to='people.person', verbose_name='Học viên'),
                ),
            ],
        ),
    ]
