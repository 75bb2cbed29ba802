"""Import UI: upload -> validation (dry run) -> preview with errors -> confirm.

The uploaded file waits in a private temporary directory under a random token; the token is
kept in the user's session, so only the session that uploaded a file can confirm it.
"""

from __future__ import annotations

import re
import secrets
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from credo.core.permissions import IMPORT_DATA

from .engine import ImportReport, run_import
from .forms import ImportUploadForm
from .specs import available_specs

SESSION_KEY = "credo_import_uploads"
PREVIEW_ROWS = 500
STALE_AFTER_SECONDS = 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _upload_dir() -> Path:
    configured = getattr(settings, "CREDO_IMPORT_UPLOAD_DIR", "")
    directory = Path(configured) if configured else Path(tempfile.gettempdir()) / "credo-import"
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory


def _remove_stale_uploads(directory: Path) -> None:
    # Uploads that were never confirmed or cancelled are not kept forever.
    limit = time.time() - STALE_AFTER_SECONDS
    for path in directory.glob("*.upload"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            pass


def _require_import_permission(request: HttpRequest) -> None:
    if not request.user.has_perm(IMPORT_DATA):
        raise PermissionDenied


def _run(request: HttpRequest, pending: dict, data: bytes, *, dry_run: bool) -> ImportReport:
    owner = None
    if pending.get("owner"):
        owner = get_user_model().objects.filter(username=pending["owner"], is_active=True).first()
    return run_import(
        spec=available_specs()[pending["record_type"]],
        data=data,
        filename=pending["filename"],
        user=request.user,
        default_owner=owner,
        encoding=pending.get("encoding", ""),
        sheet=pending.get("sheet", ""),
        dry_run=dry_run,
        request_id=getattr(request, "request_id", None),
        source_system=pending.get("source_system", ""),
    )


def _preview(request: HttpRequest, pending: dict, token: str, report: ImportReport):
    specs = available_specs()
    return render(
        request,
        "importer/preview.html",
        {
            "report": report,
            "token": token,
            "pending": pending,
            "spec_label": specs[pending["record_type"]].label,
            "outcomes": report.outcomes[:PREVIEW_ROWS],
            "outcomes_hidden": max(len(report.outcomes) - PREVIEW_ROWS, 0),
        },
        status=200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    """Upload form; a valid upload is validated at once and previewed."""
    _require_import_permission(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = b"".join(upload.chunks())
        directory = _upload_dir()
        _remove_stale_uploads(directory)
        token = secrets.token_urlsafe(24)
        (directory / f"{token}.upload").write_bytes(data)
        owner = form.cleaned_data["owner"]
        pending = {
            "record_type": form.cleaned_data["record_type"],
            "filename": Path(upload.name).name,
            "encoding": form.cleaned_data["encoding"] or "",
            "sheet": form.cleaned_data["sheet"] or "",
            "owner": owner.username if owner else "",
            "source_system": (form.cleaned_data.get("source_system") or "").strip(),
        }
        uploads = request.session.get(SESSION_KEY, {})
        uploads[token] = pending
        request.session[SESSION_KEY] = uploads
        report = _run(request, pending, data, dry_run=True)
        return _preview(request, pending, token, report)
    specs = [
        {"key": key, "label": spec.label, "columns": spec.columns}
        for key, spec in available_specs().items()
    ]
    return render(request, "importer/upload.html", {"form": form, "specs": specs})


@login_required
@require_POST
def import_confirm(request: HttpRequest) -> HttpResponse:
    """Import the previewed file for real (or drop it when the user cancels)."""
    _require_import_permission(request)
    token = request.POST.get("token", "")
    uploads = request.session.get(SESSION_KEY, {})
    pending = uploads.get(token) if _TOKEN.match(token) else None
    path = _upload_dir() / f"{token}.upload"
    if pending is None or not path.exists():
        messages.error(request, _("This upload has expired; please upload the file again."))
        return redirect("importer:upload")
    if "cancel" in request.POST:
        _forget(request, token, path)
        messages.info(request, _("The import was cancelled; nothing was written."))
        return redirect("importer:upload")
    report = _run(request, pending, path.read_bytes(), dry_run=False)
    if not report.committed:
        # The data changed since the preview (or the file never was valid): show why.
        return _preview(request, pending, token, report)
    _forget(request, token, path)
    messages.success(request, report.summary())
    return redirect("importer:upload")


def _forget(request: HttpRequest, token: str, path: Path) -> None:
    uploads = request.session.get(SESSION_KEY, {})
    uploads.pop(token, None)
    request.session[SESSION_KEY] = uploads
    path.unlink(missing_ok=True)
