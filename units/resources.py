"""Import/export of units (contract: ``../shared/design.md`` §3): ``UnitResource``.

One file can load a province's whole tree: ``parent`` names the parent unit by its code, and
the parent may be a unit already in the database or one defined anywhere in the same file
(before or after its children); ``predecessors`` lists the codes of the units merged into
this one (the 2025 mergers), separated by ";". Headers match case-insensitively or by their
Vietnamese names (``aliases``, listed in ``docs/imports.md``); every import is all or nothing
(``imports.resources``).
"""

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from import_export import widgets
from import_export.fields import Field
from import_export.instance_loaders import CachedInstanceLoader

from imports.resources import (
    CellDiff,
    ContractResource,
    CountWidget,
    DateWidget,
    TextWidget,
    code_of,
    normalise,
)
from scoring.models import ImportKind
from units.models import Unit, UnitKind


def codes_of(value) -> list[str]:
    """Codes separated by ";" (or new lines), each once, in order."""
    codes = []
    for part in str(value if value is not None else "").replace("\n", ";").split(";"):
        code = code_of(part)
        if code and code not in codes:
            codes.append(code)
    return codes


class UnitKindWidget(widgets.Widget):
    """A kind of unit: its value ("commune") or its label, in Vietnamese ("Xã") or English."""

    def names(self) -> dict[str, str]:
        names = {}
        for value, label in UnitKind.choices:
            names[normalise(value)] = value
            for language in ("en", "vi"):
                with translation.override(language):
                    names[normalise(str(label))] = value
        return names

    def clean(self, value, row=None, **kwargs):
        text = normalise(value)
        if not text:
            raise ValueError(_("The kind of unit is missing."))
        kind = self.names().get(text)
        if kind is None:
            with translation.override("vi"):
                accepted = ", ".join(f"{v} ({label})" for v, label in UnitKind.choices)
            raise ValueError(
                _("“%(value)s” is not a kind of unit. Accepted: %(kinds)s.")
                % {"value": value, "kinds": accepted}
            )
        return kind

    def render(self, value, obj=None, **kwargs):
        return value or ""


class ExportedValuesDiff(CellDiff):
    """The preview's old and new values as the export writes them (``dehydrate_*`` included),
    so that ``parent`` and ``predecessors`` show codes."""

    def __init__(self, resource, instance, new):
        super().__init__(resource, instance, new)
        self.left = self.values(resource, instance)

    def compare_with(self, resource, instance):
        self.right = self.values(resource, instance)

    @staticmethod
    def values(resource, instance) -> list:
        return [resource.export_field(f, instance) for f in resource.get_import_fields()]


class UnitResource(ContractResource):
    """Units by code: ``code, name, short_name, kind, parent, order, valid_from, valid_to``
    and, optionally, ``predecessors``. A row whose code exists updates that unit."""

    kind = ImportKind.UNITS
    required = ("code",)
    aliases = {
        "code": ("mã đơn vị", "ma don vi", "mã", "unit code"),
        "name": ("tên đơn vị", "ten don vi", "tên", "unit name"),
        "short_name": ("tên ngắn", "tên rút gọn", "tên gọi tắt", "tên viết tắt", "short name"),
        "kind": ("loại đơn vị", "loại", "cấp"),
        "parent": (
            "đơn vị cấp trên",
            "mã đơn vị cấp trên",
            "don vi cap tren",
            "ma don vi cap tren",
            "parent code",
        ),
        "order": ("thứ tự", "thứ tự hiển thị", "display order"),
        "valid_from": ("hiệu lực từ", "có hiệu lực từ", "từ ngày", "valid from"),
        "valid_to": ("hiệu lực đến", "có hiệu lực đến", "đến ngày", "valid to"),
        "predecessors": (
            "đơn vị tiền thân",
            "mã đơn vị tiền thân",
            "sáp nhập từ",
            "đơn vị sáp nhập",
        ),
    }

    code = Field(attribute="code", column_name="code", widget=TextWidget())
    name = Field(attribute="name", column_name="name", widget=TextWidget())
    short_name = Field(attribute="short_name", column_name="short_name", widget=TextWidget())
    # "kind" is also the class attribute naming the import's kind, so the field is declared
    # under another name.
    unit_kind = Field(attribute="kind", column_name="kind", widget=UnitKindWidget())
    parent = Field(column_name="parent")
    order = Field(attribute="order", column_name="order", widget=CountWidget())
    valid_from = Field(attribute="valid_from", column_name="valid_from", widget=DateWidget())
    valid_to = Field(attribute="valid_to", column_name="valid_to", widget=DateWidget())
    predecessors = Field(column_name="predecessors")

    class Meta(ContractResource.Meta):
        model = Unit
        import_id_fields = ("code",)
        instance_loader_class = CachedInstanceLoader
        fields = (
            "code",
            "name",
            "short_name",
            "unit_kind",
            "parent",
            "order",
            "valid_from",
            "valid_to",
            "predecessors",
        )
        export_order = fields

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._reset()

    def _reset(self):
        self.known: set[str] = set()  # codes of the units in the database
        self.in_file: dict[str, int] = {}  # code → file line of its first row
        self.loops: dict[str, list[str]] = {}  # code → the loop its parent makes
        self.links: dict[str, tuple[str | None, list[str] | None]] = {}
        self.saved: set[str] = set()

    def get_queryset(self):
        return (
            Unit.objects.select_related("parent")
            .prefetch_related("predecessors")
            .order_by("order", "code")
        )

    def get_diff_class(self):
        return ExportedValuesDiff

    # Export (and the preview's values)

    def dehydrate_parent(self, unit) -> str:
        if hasattr(unit, "_import_parent"):
            return unit._import_parent
        return unit.parent.code if unit.parent_id else ""

    def dehydrate_predecessors(self, unit) -> str:
        if hasattr(unit, "_import_predecessors"):
            return "; ".join(unit._import_predecessors)
        if unit.pk is None:
            return ""
        return "; ".join(sorted(u.code for u in unit.predecessors.all()))

    # Import

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        self._reset()
        return super().import_data(dataset, dry_run=dry_run, raise_errors=raise_errors, **kwargs)

    def read_file(self, dataset, **kwargs) -> None:
        rows = dataset.dict
        graph = dict(Unit.objects.values_list("code", "parent__code"))
        self.known = set(graph)
        for line, row in enumerate(rows, 2):
            self.in_file.setdefault(code_of(row.get("code")), line)
        if "parent" in dataset.headers:
            for row in rows:
                code = code_of(row.get("code"))
                if code:
                    graph[code] = code_of(row.get("parent")) or None
        for code in self.in_file:
            path, step = [code], graph.get(code)
            while step is not None and step not in path:
                path.append(step)
                step = graph.get(step)
            if step == code:
                self.loops[code] = [*path, code]

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        code = code_of(row.get("code"))
        first = self.in_file.get(code)
        if code and first is not None and first != self.row_number + 1:
            errors.setdefault("code", []).append(
                _("The unit “%(code)s” is already on row %(row)s.") % {"code": code, "row": first}
            )
        parent, predecessors = None, None
        if "parent" in row:
            parent = code_of(row.get("parent")) or ""
            problem = self._parent_problem(code, parent)
            if problem:
                errors.setdefault("parent", []).append(problem)
            instance._import_parent = parent
        if "predecessors" in row:
            predecessors = sorted(codes_of(row.get("predecessors")))
            for other in predecessors:
                if other == code:
                    problem = _("A unit cannot be its own predecessor.")
                elif other not in self.known and other not in self.in_file:
                    problem = self._unknown(other)
                else:
                    continue
                errors.setdefault("predecessors", []).append(problem)
            instance._import_predecessors = predecessors
        if errors:
            raise ValidationError(errors)
        self.links[code] = (parent, predecessors)

    def _unknown(self, code: str) -> str:
        return _("No unit has the code “%(code)s”, in the database or in this file.") % {
            "code": code
        }

    def _parent_problem(self, code: str, parent: str) -> str | None:
        if not parent:
            return None
        if parent not in self.known and parent not in self.in_file:
            return self._unknown(parent)
        if code in self.loops:
            return _(
                "“%(parent)s” cannot be the parent of “%(code)s”: that makes a loop (%(loop)s)."
            ) % {
                "parent": parent,
                "code": code,
                "loop": " → ".join(self.loops[code]),
            }
        return None

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors or not self._meta.skip_unchanged:
            return False
        return all(
            self.export_field(f, instance) == self.export_field(f, original)
            for f in self.get_import_fields()
        )

    def save_instance(self, instance, is_create, row, **kwargs):
        # A parent defined later in the file does not exist yet: the unit is saved without
        # it, and linked when every row is in (``after_import``).
        parent = self.links.get(instance.code, (None, None))[0]
        if parent is not None:
            instance.parent = None
        super().save_instance(instance, is_create, row, **kwargs)
        self.saved.add(instance.code)

    def before_save_instance(self, instance, row, **kwargs):
        super().before_save_instance(instance, row, **kwargs)
        self.record_batch()

    def after_import(self, dataset, result, **kwargs):
        if not (result.has_errors() or result.has_validation_errors()):
            self._link()
        super().after_import(dataset, result, **kwargs)

    def _link(self):
        """Set the parents and predecessors of the units written, now that all exist."""
        links = {code: self.links[code] for code in self.saved if code in self.links}
        if not links:
            return
        wanted = set(links)
        for parent, predecessors in links.values():
            wanted.update([parent] if parent else [])
            wanted.update(predecessors or [])
        units = {u.code: u for u in Unit.objects.filter(code__in=wanted).only("id", "code")}
        parented = []
        for code, (parent, _predecessors) in links.items():
            if parent is not None:
                unit = units[code]
                unit.parent_id = units[parent].pk if parent else None
                parented.append(unit)
        Unit.objects.bulk_update(parented, ["parent"], batch_size=500)
        merged = {code: p for code, (_parent, p) in links.items() if p is not None}
        if merged:
            through = Unit.predecessors.through
            through.objects.filter(from_unit_id__in=[units[c].pk for c in merged]).delete()
            through.objects.bulk_create(
                [
                    through(from_unit_id=units[code].pk, to_unit_id=units[other].pk)
                    for code, others in merged.items()
                    for other in others
                ],
                batch_size=500,
            )
