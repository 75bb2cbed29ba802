"""Upload form of the import UI (validation of the data itself is the engine's job)."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from .specs import spec_choices

ALLOWED_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024

ENCODING_CHOICES = [
    ("", _("Detect automatically")),
    ("utf-8", "UTF-8"),
    ("gb18030", "GBK / GB18030"),
]


class ImportUploadForm(forms.Form):
    """What to import, the file and the options of the command line."""

    record_type = forms.ChoiceField(label=_("What to import"), choices=())
    file = forms.FileField(
        label=_("File"), help_text=_("CSV (UTF-8 or GBK) or XLSX with a header row.")
    )
    encoding = forms.ChoiceField(
        label=_("Encoding (CSV)"), choices=ENCODING_CHOICES, required=False
    )
    sheet = forms.CharField(
        label=_("Sheet (XLSX)"),
        required=False,
        max_length=100,
        help_text=_("Leave empty to read the first sheet."),
    )
    owner = forms.CharField(
        label=_("Account manager of new customers"),
        required=False,
        max_length=150,
        help_text=_("User name; rows without an account manager get this one (default: you)."),
    )

    source_system = forms.CharField(
        label=_("Source system (ERP)"),
        required=False,
        max_length=50,
        help_text=_(
            "For documents that name their customer by external id without a source system "
            "column."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = spec_choices()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in ALLOWED_SUFFIXES:
            raise forms.ValidationError(
                _("Upload a CSV or XLSX file (%(suffixes)s).")
                % {"suffixes": ", ".join(ALLOWED_SUFFIXES)}
            )
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // 1024 // 1024}
            )
        return upload

    def clean_owner(self):
        username = (self.cleaned_data.get("owner") or "").strip()
        if not username:
            return None
        owner = get_user_model().objects.filter(username=username, is_active=True).first()
        if owner is None:
            raise forms.ValidationError(
                _("There is no active user named %(name)s.") % {"name": username}
            )
        return owner
