"""Indexes that an import paid for on every row and no query needs (models.Person and
models.Credential say why each goes): the person's unit, the credential's person, the credential's
enrolment (kept only where one is set), and PostgreSQL's pattern-ops twin of the person's name
key (the name key itself is now declared in Meta.indexes).

The fields' `db_index` change is applied to the state only, and the indexes are dropped by name:
as an AlterField, SQLite would have copied both tables to drop one index each."""

import django.db.models.deletion
from django.db import migrations, models

PERSON_UNIT = "people_person_unit_id_0a537c13"
CREDENTIAL_PERSON = "people_credential_person_id_5152203f"
CREDENTIAL_ENROLMENT = "people_credential_enrolment_id_1a1090a8"
SEARCH_KEY = "people_person_search_key_ef703490"


def _drop(name: str, table: str, column: str) -> migrations.RunSQL:
    return migrations.RunSQL(f'DROP INDEX IF EXISTS "{name}"', f'CREATE INDEX "{name}" ON "{table}" ("{column}")')


def _drop_pattern_twin(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{SEARCH_KEY}_like"')


def _create_pattern_twin(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX "{SEARCH_KEY}_like" ON "people_person" ("search_key" varchar_pattern_ops)')


class Migration(migrations.Migration):

    dependencies = [
        ('org', '0001_initial'),
        ('people', '0004_person_in_a_tier_index'),
        ('training', '0005_enrolment_nominating_unit_partial_index'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='credential',
                    name='enrolment',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='training.enrolment'),
                ),
                migrations.AlterField(
                    model_name='credential',
                    name='person',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='credentials', to='people.person'),
                ),
                migrations.AlterField(
                    model_name='person',
                    name='search_key',
                    field=models.CharField(editable=False, max_length=150),
                ),
                migrations.AlterField(
                    model_name='person',
                    name='unit',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='people', to='org.orgunit', verbose_name='Đơn vị'),
                ),
            ],
            database_operations=[
                _drop(PERSON_UNIT, "people_person", "unit_id"),
                _drop(CREDENTIAL_PERSON, "people_credential", "person_id"),
                _drop(CREDENTIAL_ENROLMENT, "people_credential", "enrolment_id"),
                # Created again below under its Meta name (one sort of 150,000 names at L).
                _drop(SEARCH_KEY, "people_person", "search_key"),
                migrations.RunPython(_drop_pattern_twin, _create_pattern_twin),
            ],
        ),
        migrations.AddIndex(
            model_name='person',
            index=models.Index(fields=['search_key'], name='person_search_key'),
        ),
        migrations.AddIndex(
            model_name='credential',
            index=models.Index(condition=models.Q(('enrolment__isnull', False)), fields=['enrolment'], name='credential_enrolment'),
        ),
    ]
