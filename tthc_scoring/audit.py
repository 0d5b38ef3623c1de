"""The audit log of rows written in bulk.

django-auditlog records a change from the signals of ``save()`` and ``delete()``; rows written
with ``bulk_create``, ``bulk_update`` or our own ``UPDATE`` statements (the figures imported
from files, the scores and scorecards saved by ``scoring.domain``) send none. Their writers
call ``log_bulk`` beside the statement, in the same transaction, so a write rolled back leaves
no entry. The entries are the ones auditlog would have written for a ``save()`` of each row:
the same ``changes`` ({field: [before, after]}, values as auditlog's ``get_field_value`` gives
them), the actor, address and correlation id of auditlog's context (``set_actor``, its
middleware), the model's include, exclude and mask settings when it is registered, nothing
while ``disable_auditlog()`` is in effect, and no entry for a row whose fields did not change.
"""

import copy
import decimal
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from auditlog import get_logentry_model
from auditlog.cid import get_cid
from auditlog.context import auditlog_disabled
from auditlog.diff import get_field_value, get_mask_function, is_primitive
from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models, router
from django.db.models.signals import pre_save
from django.utils import timezone
from django.utils.encoding import smart_str

LogEntry = get_logentry_model()
CREATE, UPDATE = LogEntry.Action.CREATE, LogEntry.Action.UPDATE

# The entries of the writes made inside ``together()``, waiting for its one INSERT.
_gathered: ContextVar[list | None] = ContextVar("tthc_audit_gathered", default=None)


def log_bulk(
    model: type[models.Model],
    rows: Iterable[tuple[models.Model | None, models.Model]],
    action: int,
    *,
    actor=None,
    fields: Sequence[str] | None = None,
    additional_data: dict | None = None,
) -> int:
    """Record the rows one write changed: ``(before, after)`` instances of ``model`` (``before``
    None for a created row; ``after`` with its primary key). ``fields``: the only fields
    compared (as auditlog compares a ``save(update_fields=…)``'s), all of them when None.
    ``actor``: the user who made the change; when None (or anonymous), auditlog's context
    actor.

    Writes the entries with one ``bulk_create`` (one INSERT up to the database's parameter
    limit, some 2 000 entries on SQLite, 4 000 on PostgreSQL); inside ``together()`` the block
    writes them. Returns the number of entries.
    """
    if auditlog_disabled.get():
        return 0
    tracked = _tracked_fields(model, fields)
    masked = _masked(model)
    template = _template(model, action, actor, additional_data)
    entries = []
    for before, after in rows:
        changes = _changes(tracked, masked, before, after)
        if changes:
            entries.append(_entry(template, after, changes))
    gathered = _gathered.get()
    if gathered is not None:
        gathered.extend(entries)
    elif entries:
        LogEntry.objects.bulk_create(entries)
    return len(entries)


@contextmanager
def together() -> Iterator[None]:
    """Write the entries of every ``log_bulk`` inside the block with one INSERT as it ends
    (one save that writes several kinds of row: scores, then the scorecard's status). Use it
    inside the caller's transaction; an exception leaving the block drops them, so a block
    must not catch a refused write and carry on. Nested blocks write with the outermost."""
    if _gathered.get() is not None:
        yield
        return
    token = _gathered.set([])
    try:
        yield
        entries = _gathered.get()
    finally:
        _gathered.reset(token)
    if entries:
        LogEntry.objects.bulk_create(entries)


def _tracked_fields(model, names: Sequence[str] | None) -> list[models.Field]:
    fields = [f for f in model._meta.concrete_fields if not f.many_to_many]
    if names is not None:
        wanted = set(names)
        fields = [f for f in fields if f.name in wanted or f.attname in wanted]
    if auditlog.contains(model):
        settings_of = auditlog.get_model_fields(model)
        if settings_of["include_fields"]:
            fields = [f for f in fields if f.name in settings_of["include_fields"]]
        fields = [f for f in fields if f.name not in settings_of["exclude_fields"]]
    return fields


def _masked(model):
    """The names of the fields masked in the log, and the mask."""
    if not auditlog.contains(model):
        return set(), None
    settings_of = auditlog.get_model_fields(model)
    return set(settings_of["mask_fields"]), get_mask_function(settings_of["mask_callable"])


def _template(model, action: int, actor, additional_data) -> LogEntry:
    """An entry with what every row of this write shares. auditlog's context fills in the actor
    (unless given), address and port through the ``pre_save`` receiver it connects while it
    is in effect, as it does for each entry it saves itself; ``bulk_create`` sends no
    ``pre_save``, so it is sent here, once."""
    if not isinstance(actor, get_user_model()):
        actor = None
    template = LogEntry(
        content_type=ContentType.objects.get_for_model(model),
        action=action,
        actor=actor,
        actor_email=getattr(actor, "email", None),
        cid=get_cid(),
        timestamp=timezone.now(),
        additional_data=additional_data,
    )
    using = router.db_for_write(LogEntry)
    pre_save.send(sender=LogEntry, instance=template, raw=False, using=using, update_fields=None)
    return template


def _changes(tracked, masked, before, after) -> dict[str, list]:
    as_json = settings.AUDITLOG_STORE_JSON_CHANGES
    mask_names, mask = masked
    changes = {}
    for field in tracked:
        old = None if before is None else getattr(before, field.attname)
        if old == getattr(after, field.attname):
            continue
        values = [_shown(before, field, as_json), _shown(after, field, as_json)]
        if field.name in mask_names:
            values = [mask(smart_str(value)) for value in values]
        changes[field.name] = values
    return changes


def _shown(instance, field, as_json: bool):
    """A value as auditlog writes it; points with their column's decimal places, as they are
    read back (so "2" and "2.00" are never two values of one column in the log)."""
    value = get_field_value(instance, field, as_json)
    if instance is not None and isinstance(field, models.DecimalField):
        number = getattr(instance, field.attname)
        if number is not None:
            value = decimal.Decimal(number).quantize(
                decimal.Decimal(1).scaleb(-field.decimal_places)
            )
    return value if as_json and is_primitive(value) else smart_str(value)


def _entry(template: LogEntry, instance: models.Model, changes: dict) -> LogEntry:
    entry = copy.copy(template)
    pk = instance.pk
    entry.object_pk = smart_str(pk)
    entry.object_id = pk if isinstance(pk, int) else None
    entry.object_repr = smart_str(instance)
    entry.changes = changes
    return entry
