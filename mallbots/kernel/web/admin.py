"""Building blocks for the contexts' admin pages: staff commands are small forms that call a
service, all shown with one template."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

COMMAND_FORM_TEMPLATE = "admin/command_form.html"


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
