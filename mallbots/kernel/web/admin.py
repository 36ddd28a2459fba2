"""Building blocks for every admin page of the contexts and the kernel: rows that are viewed,
never edited by hand (`ReadOnlyAdmin`), and staff commands as small forms and actions that call
a service (`CommandAdmin`), all forms shown with one template."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_permission_codename
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import Truncator

from mallbots.kernel.ddd import DomainError, NotFound

COMMAND_FORM_TEMPLATE = "admin/command_form.html"

Row = TypeVar("Row")


def plural(count: int, noun: str) -> str:
    """`1 order`, `2 orders`, `1,200 events`."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


SHORT_ID = 8  # characters of an id shown in lists; the whole id is its tooltip
NAME_LENGTH = 40  # characters of a name shown beside an id, or of a text in a list
TABLE_TEXT = 120  # characters of a text in a read-only table


def change_url(label: str, object_id: object) -> str:
    """The admin page of `label`'s object ("depot_shoppinglist", id), or "" when there is none
    (no such admin, or no id). Linking to another context's page imports nothing of it."""
    if object_id in (None, ""):
        return ""
    try:
        return reverse(f"admin:{label}_change", args=[object_id])
    except NoReverseMatch:
        return ""


def short_id(value: object, url: str = "") -> SafeString:
    """The first characters of an id, the whole id as its tooltip, linked to `url` if given."""
    text = str(value or "")
    if not text:
        return format_html("{}", "—")
    if url:
        return format_html('<a class="mall-short" href="{}" title="{}">{}</a>', url, text, text[:SHORT_ID])
    return format_html('<span class="mall-short" title="{}">{}</span>', text, text[:SHORT_ID])


def name_and_id(name: str | None, value: object, url: str = "") -> SafeString:
    """ "Ada Lovelace 3f2a9c1e": the name (cut to NAME_LENGTH) beside the short id, the pair
    linked to `url`; the id alone when the name is not known."""
    text = str(value or "")
    if not name or not text:
        return short_id(value, url)
    label = Truncator(name).chars(NAME_LENGTH)
    if url:
        return format_html(
            '<a href="{}" title="{}">{} <span class="mall-short">{}</span></a>',
            url,
            text,
            label,
            text[:SHORT_ID],
        )
    return format_html(
        '<span title="{}">{} <span class="mall-short">{}</span></span>', text, label, text[:SHORT_ID]
    )


NameLookup = Callable[[list[str]], Mapping[str, str]]


def names_of(model: type[Model]) -> NameLookup:
    """A lookup of the `name` of `model`'s rows by id (a context's own table or cache)."""

    def lookup(ids: list[str]) -> Mapping[str, str]:
        return dict(model._default_manager.filter(pk__in=set(ids)).values_list("pk", "name"))

    return lookup


def truncated(text: object, length: int = NAME_LENGTH) -> str:
    return Truncator(str(text)).chars(length)


def pretty_json(value: Any) -> SafeString:
    """A JSON value indented in a <pre>, for read-only fields."""
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder)
    return format_html("<pre>{}</pre>", text)


def html_table(
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    footer: tuple[str, object] | None = None,
    empty: str | None = None,
) -> SafeString:
    """A table for a read-only field: a header row, a row per item (values escaped unless
    safe), and an optional footer of a label spanning all columns but the last, and a value.
    With `empty`, no rows show that sentence instead of an empty table."""
    body = format_html_join("", "<tr>{}</tr>", ((_cells("td", [_cell(v) for v in row]),) for row in rows))
    if empty is not None and not body:
        return format_html("<p>{}</p>", empty)
    foot = ""
    if footer is not None:
        foot = format_html(
            "<tfoot><tr><th colspan='{}'>{}</th><th>{}</th></tr></tfoot>", len(headers) - 1, *footer
        )
    return format_html(
        "<table><thead><tr>{}</tr></thead><tbody>{}</tbody>{}</table>", _cells("th", headers), body, foot
    )


def _cell(value: object) -> object:
    """Plain text past TABLE_TEXT characters is cut (the row's own page has it whole)."""
    if isinstance(value, str) and not isinstance(value, SafeString) and len(value) > TABLE_TEXT:
        return truncated(value, TABLE_TEXT)
    return value


def _cells(tag: str, values: Sequence[object]) -> SafeString:
    return format_html_join("", f"<{tag}>{{}}</{tag}>", ((value,) for value in values))


def render_command_form(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    form: forms.Form,
    *,
    title: str,
    submit: str | None = None,
    original: Model | None = None,
    intro: list[str] | None = None,
) -> HttpResponse:
    """A command's form in the admin's look, with breadcrumbs to the model (and `original`),
    and `intro` paragraphs above it (what the command will do)."""
    context = {
        "intro": intro or [],
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": title,
        "form": form,
        "original": original,
        "submit_label": submit or title,
    }
    return TemplateResponse(request, COMMAND_FORM_TEMPLATE, context)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable with the view permission, never editable: the change form renders read-only,
    a POST to it answers 403, and the add and delete views (and `delete_selected`) disappear."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_model_perm(self, request: HttpRequest, action: str) -> bool:
        """Whether the user holds this model's `action` permission ("add", "change", ...),
        which the overrides above deny to the admin's own views."""
        codename = get_permission_codename(action, self.opts)
        return request.user.has_perm(f"{self.opts.app_label}.{codename}")

    def get_list_display(self, request: HttpRequest) -> list[Any]:
        """The columns, with every free text cut to NAME_LENGTH characters: a long name never
        widens a list (its own page shows it whole)."""
        return [self._cut(column) for column in super().get_list_display(request)]

    def _cut(self, column: Any) -> Any:
        if not isinstance(column, str):
            return column
        try:
            field = self.opts.get_field(column)
        except FieldDoesNotExist:
            return column
        if not isinstance(field, models.CharField | models.TextField) or field.choices:
            return column

        def show(obj: Model) -> str:
            value = getattr(obj, column)
            return truncated(value) if value not in (None, "") else self.get_empty_value_display()

        show.short_description = field.verbose_name  # type: ignore[attr-defined]
        show.admin_order_field = column  # type: ignore[attr-defined]
        show.__name__ = column
        return show

    # (id attribute, name attribute, lookup): before a list renders, every row of the page gets
    # row.<name attribute> = the name its id has in `lookup` (a cache, `names_of`, or another
    # context's contract), one lookup a page; "" for an id the lookup does not know.
    row_names: Sequence[tuple[str, str, NameLookup]] = ()

    def decorate_rows(self, request: HttpRequest, rows: list[Any]) -> None:
        """Called with a changelist's page of rows before it renders: set on them what the
        columns show from elsewhere (by default the `row_names`)."""
        for key, attribute, lookup in self.row_names:
            names = lookup([getattr(row, key) for row in rows])
            for row in rows:
                setattr(row, attribute, names.get(getattr(row, key), ""))

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)
        self.decorate_rows(request, list(changelist.result_list))
        return changelist

    def admin_url(self, view: str, *args: object, model: str | None = None) -> str:
        """`admin:<app>_<model>_<view>` of this model, or of `model` in the same app."""
        return reverse(f"admin:{self.opts.app_label}_{model or self.opts.model_name}_{view}", args=args)


class CommandAdmin(ReadOnlyAdmin):
    """Read-only rows plus staff commands: forms at URLs of their own and actions, each of
    which calls a service. A domain error is shown as an error message, never a crash.
    `change_context` and `changelist_context` add what the pages' templates need (which
    commands to offer)."""

    def change_context(self, request: HttpRequest, object_id: str) -> dict[str, Any]:
        return {}

    def changelist_context(self, request: HttpRequest) -> dict[str, Any]:
        return {}

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra = {**self.change_context(request, object_id), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra = {**self.changelist_context(request), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def command_url(self, route: str, view: Callable[..., HttpResponse], name: str) -> URLPattern:
        """`admin:<app>_<model>_<name>`, e.g. admin:stores_store_rebrand."""
        return path(
            route,
            self.admin_site.admin_view(view),
            name=f"{self.opts.app_label}_{self.opts.model_name}_{name}",
        )

    def require(self, request: HttpRequest, permission: str) -> None:
        """403 unless the user holds `permission` (a codename) of this app."""
        if not request.user.has_perm(f"{self.opts.app_label}.{permission}"):
            raise PermissionDenied

    def load(self, selector: Callable[..., Any], **kwargs: Any) -> Any:
        try:
            return selector(**kwargs)
        except NotFound as error:
            raise Http404(error.message)

    def command_form(
        self,
        request: HttpRequest,
        *,
        form_class: type[forms.Form],
        title: str,
        run: Callable[[dict[str, Any]], str],
        initial: dict[str, Any] | None = None,
        original: Model | None = None,
        submit: str | None = None,
        intro: list[str] | None = None,
    ) -> HttpResponse:
        """Show `form_class`; on a valid POST call `run(cleaned_data)`, which calls the service
        and answers the URL to go to. A domain error is shown and the form stays filled in."""
        form = form_class(request.POST if request.method == "POST" else None, initial=initial)
        if form.is_valid():
            try:
                next_url = run(form.cleaned_data)
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                return HttpResponseRedirect(next_url)
        return render_command_form(
            self, request, form, title=title, submit=submit, original=original, intro=intro
        )

    def change_url(self, model: str, object_id: object) -> str:
        return self.admin_url("change", object_id, model=model)

    def run_each(
        self,
        request: HttpRequest,
        rows: Iterable[Row],
        command: Callable[[Row], object],
        *,
        label: Callable[[Row], str],
        done: Callable[[Row], str] | None = None,
        summary: Callable[[int], str] | None = None,
        why: Callable[[Row], str] | None = None,
        end: str = "",
    ) -> int:
        """An action's loop: run `command` for each row; a refusal is an error message
        "<label>: <the error's message><why(row)><end>" (`why` says what in the row made the
        command refuse it), a success a message `done(row)` of its own or, with `summary`, one
        message for all of them. Answers how many succeeded."""
        succeeded = 0
        for row in rows:
            try:
                command(row)
            except DomainError as error:
                reason = why(row) if why is not None else ""
                self.message_user(request, f"{label(row)}: {error.message}{reason}{end}", messages.ERROR)
            else:
                succeeded += 1
                if done is not None:
                    self.message_user(request, done(row), messages.SUCCESS)
        if summary is not None and succeeded:
            self.message_user(request, summary(succeeded), messages.SUCCESS)
        return succeeded
