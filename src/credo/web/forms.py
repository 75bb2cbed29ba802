"""Forms of the web UI. They render and clean input; every save goes through a service."""

from __future__ import annotations

import math

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from credo.core.models import LoginFailure
from credo.creditfile.choices import AttachmentKind
from credo.customers.choices import CustomerKind, CustomerStatus, Province
from credo.customers.models import Contact, Customer, CustomerAlias, ExternalId, Industry
from credo.customers.services import CONTACT_EDITABLE_FIELDS, CUSTOMER_EDITABLE_FIELDS

User = get_user_model()


class LoginForm(AuthenticationForm):
    """The standard login form, plus a clear message when the account is locked."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _(
            "This account is locked after too many failed logins. Try again in %(minutes)d minutes."
        ),
    }

    def get_invalid_login_error(self):
        if getattr(self.request, "credo_login_locked", False):
            return ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"minutes": self._minutes_until_unlock()},
            )
        return super().get_invalid_login_error()

    def _minutes_until_unlock(self) -> int:
        username = self.cleaned_data.get("username") or ""
        entry = LoginFailure.objects.filter(username__iexact=username).first()
        if entry is None or entry.locked_until is None:
            return 1
        seconds = (entry.locked_until - timezone.now()).total_seconds()
        return max(1, math.ceil(seconds / 60))


class ServiceFormMixin:
    """Skips ModelForm's instance construction and model validation.

    The service validates (full_clean) and saves; building the instance here would mutate the
    object the service compares against and hide the change from the change log.
    """

    def _post_clean(self):
        pass

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.service_fields()}

    def service_fields(self) -> list[str]:
        return [name for name in self.fields if name in self.cleaned_data]

    def add_service_errors(self, error: ValidationError) -> None:
        """Put the service's message_dict onto the matching fields (others on the form)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error.messages)
            return
        for field, messages in error.message_dict.items():
            target = field if field in self.fields else None
            if target is not None and target in self.errors:
                continue  # already reported by field cleaning
            if target is None and field != "__all__":
                label = self._field_label(field)
                messages = [f"{label}: {message}" for message in messages]
            self.add_error(target, messages)

    def _field_label(self, name: str) -> str:
        model = getattr(getattr(self, "_meta", None), "model", None)
        if model is not None:
            try:
                return str(model._meta.get_field(name).verbose_name)
            except Exception:  # noqa: BLE001 - not a model field: show the raw name
                return name
        return name


def _industry_choices() -> list[tuple[str, str]]:
    choices: list[tuple[str, str]] = [("", _("All industries"))]
    for industry in Industry.objects.order_by("code"):
        prefix = "" if industry.is_section else "\u2003"
        choices.append((industry.code, f"{prefix}{industry}"))
    return choices


class CustomerFilterForm(forms.Form):
    """Search, filters and sort of the customer list (GET; never writes)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Name, alias, customer number, USCC or phone"),
                "autocomplete": "off",
            }
        ),
    )
    industry = forms.ChoiceField(label=_("Industry"), required=False)
    province = forms.ChoiceField(
        label=_("Province"),
        required=False,
        choices=[("", _("All provinces")), *Province.choices],
    )
    owner = forms.ChoiceField(label=_("Account manager"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *CustomerStatus.choices],
    )
    kind = forms.ChoiceField(
        label=_("Customer type"),
        required=False,
        choices=[("", _("All types")), *CustomerKind.choices],
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["industry"].choices = _industry_choices()
        owner_choices = [("", _("All account managers"))]
        for owner in owners or []:
            owner_choices.append((str(owner.pk), owner.get_full_name() or owner.get_username()))
        self.fields["owner"].choices = owner_choices


# The parent company is chosen by customer number (the form's own ``parent_code`` field).
CUSTOMER_FORM_FIELDS = [name for name in CUSTOMER_EDITABLE_FIELDS if name != "parent"]

CUSTOMER_FIELDSETS = [
    (
        _("Identity"),
        ["kind", "name_zh", "name_en", "code", "status", "uscc", "id_number", "parent_code"],
    ),
    (
        _("Registration"),
        [
            "legal_form",
            "industry",
            "size_class",
            "ownership_type",
            "legal_representative",
            "registered_capital",
            "registered_capital_currency",
            "paid_in_capital",
            "paid_in_capital_currency",
            "founding_date",
        ],
    ),
    (
        _("Registered address"),
        ["registered_province", "registered_city", "registered_district", "registered_street"],
    ),
    (
        _("Operating address"),
        ["operating_province", "operating_city", "operating_district", "operating_street"],
    ),
    (_("Contact and grouping"), ["website", "phone", "tags", "account_manager"]),
]


class CustomerForm(ServiceFormMixin, forms.ModelForm):
    """Customer master data. ``id_number`` is write-only for users who may not see it."""

    parent_code = forms.CharField(
        label=_("Parent company (customer number)"),
        required=False,
        max_length=32,
        help_text=_("Leave blank if the customer belongs to no group."),
    )
    account_manager = forms.ModelChoiceField(
        label=_("Account manager"),
        queryset=User.objects.none(),
        required=False,
    )

    class Meta:
        model = Customer
        fields = CUSTOMER_FORM_FIELDS
        widgets = {
            "founding_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "tags": forms.CheckboxSelectMultiple,
        }

    def __init__(
        self, *args, user, may_see_sensitive: bool, may_choose_owner: bool = False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.user = user
        self.may_see_sensitive = may_see_sensitive
        self.fields["industry"].queryset = Industry.objects.order_by("code")
        self.fields["code"].help_text = _("Leave blank to number the customer automatically.")
        is_edit = bool(self.instance and self.instance.pk)
        if is_edit:
            # Numbering is automatic only on creation; afterwards the number stays.
            self.fields["code"].required = True
            self.fields["code"].help_text = ""
        if is_edit and self.instance.parent_id:
            self.initial.setdefault("parent_code", self.instance.parent.code)
        self._make_parent_code_suggest(exclude=self.instance.pk if is_edit else None)
        if is_edit and not may_see_sensitive:
            # Never send the clear number to a user who may not see it; blank keeps it.
            self.initial["id_number"] = ""
            if self.instance.id_number:
                self.fields["id_number"].help_text = _(
                    "Current number: %(masked)s. Leave blank to keep it."
                ) % {"masked": self.instance.masked_id_number}
        if may_choose_owner and not is_edit:
            self.fields["account_manager"].queryset = User.objects.filter(is_active=True).order_by(
                "username"
            )
            self.fields["account_manager"].help_text = _("Default: yourself.")
        else:
            del self.fields["account_manager"]

    def _make_parent_code_suggest(self, exclude: int | None) -> None:
        """Typing in the customer-number field lists matching customers (htmx); plain without JS."""
        url = reverse("web:customer_suggest")
        if exclude:
            url += f"?exclude={exclude}"
        field = self.fields["parent_code"]
        field.help_text = _(
            "Type a name or customer number and choose from the list. "
            "Leave blank if the customer belongs to no group."
        )
        field.suggestions_id = "parent-code-suggestions"
        field.widget.attrs.update(
            {
                "autocomplete": "off",
                "aria-autocomplete": "list",
                "aria-controls": field.suggestions_id,
                "hx-get": url,
                "hx-trigger": "input changed delay:250ms, search",
                "hx-target": f"#{field.suggestions_id}",
                "hx-sync": "this:replace",
            }
        )

    def clean_parent_code(self):
        code = (self.cleaned_data.get("parent_code") or "").strip()
        if not code:
            return None
        parent = Customer.objects.restrict(self.user).filter(code=code).first()
        if parent is None:
            raise ValidationError(_("No customer with this number is visible to you."))
        return parent

    def service_data(self) -> dict:
        data = {
            name: self.cleaned_data[name]
            for name in CUSTOMER_FORM_FIELDS
            if name in self.cleaned_data
        }
        data["parent"] = self.cleaned_data.get("parent_code")
        is_edit = bool(self.instance and self.instance.pk)
        if is_edit and not self.may_see_sensitive and not data.get("id_number"):
            data.pop("id_number", None)
        for name in ("registered_capital_currency", "paid_in_capital_currency"):
            if not data.get(name):
                data.pop(name, None)
        return data

    def add_service_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict") and "parent" in error.error_dict:
            error.error_dict["parent_code"] = error.error_dict.pop("parent")
        super().add_service_errors(error)

    def fieldsets(self):
        for title, names in CUSTOMER_FIELDSETS:
            fields = [self[name] for name in names if name in self.fields]
            if fields:
                yield title, fields


class ContactForm(ServiceFormMixin, forms.ModelForm):
    """A contact person of the customer."""

    class Meta:
        model = Contact
        fields = CONTACT_EDITABLE_FIELDS


class AliasForm(ServiceFormMixin, forms.ModelForm):
    """A former name, alias or short name of the customer."""

    class Meta:
        model = CustomerAlias
        fields = ["name", "kind", "valid_until"]
        widgets = {"valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class ExternalIdForm(ServiceFormMixin, forms.ModelForm):
    """The customer's identifier in a source system (ERP, CRM, billing)."""

    class Meta:
        model = ExternalId
        fields = ["source_system", "external_id"]


class TeamMemberForm(ServiceFormMixin, forms.Form):
    """Put an active user on the customer's team."""

    user = forms.ModelChoiceField(label=_("User"), queryset=User.objects.none())
    role = forms.CharField(label=_("Role in team"), max_length=50, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(is_active=True).order_by("username")
        self.fields["user"].label_from_instance = _user_label


def _user_label(user) -> str:
    full_name = user.get_full_name()
    return f"{full_name} ({user.get_username()})" if full_name else user.get_username()


class OwnerForm(forms.Form):
    """Hand the customer to another account manager."""

    account_manager = forms.ModelChoiceField(
        label=_("New account manager"), queryset=User.objects.none()
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account_manager"].queryset = User.objects.filter(is_active=True).order_by(
            "username"
        )

    def add_service_errors(self, error: ValidationError) -> None:
        """Put the service's message_dict onto the matching fields (others on the form)."""
        for field, messages in error.message_dict.items():
            self.add_error(field if field in self.fields else None, messages)


class RecordFormBase(ServiceFormMixin, forms.ModelForm):
    """Base of the generated credit-file record forms (one per registry record type).

    Sensitive fields are write-only for users who may not see them: left blank, they keep the
    stored value.
    """

    def __init__(self, *args, record_type, customer, may_see_sensitive: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.record_type = record_type
        self.may_see_sensitive = may_see_sensitive
        self.is_edit = bool(self.instance and self.instance.pk)
        for name, form_field in self.fields.items():
            if isinstance(form_field, forms.DateField):
                form_field.widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            if isinstance(form_field, forms.ModelChoiceField):
                related = form_field.queryset.model
                if any(f.name == "customer" for f in related._meta.get_fields()):
                    # Only records of the same customer can be referenced.
                    form_field.queryset = form_field.queryset.filter(customer=customer)
            if name in record_type.sensitive_fields and self.is_edit and not may_see_sensitive:
                self.initial[name] = ""
                form_field.help_text = _("Hidden. Leave blank to keep the stored value.")

    def service_data(self) -> dict:
        data = super().service_data()
        if self.is_edit and not self.may_see_sensitive:
            for name in self.record_type.sensitive_fields:
                if not data.get(name):
                    data.pop(name, None)
        return data


def record_form_class(record_type) -> type[RecordFormBase]:
    return forms.modelform_factory(
        record_type.model, form=RecordFormBase, fields=list(record_type.fields)
    )


class AttachmentForm(ServiceFormMixin, forms.Form):
    """Upload of a document into the customer's file."""

    file = forms.FileField(label=_("File"))
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Default: the file name."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=AttachmentKind.choices)
    record = forms.ChoiceField(
        label=_("Belongs to record"),
        required=False,
        help_text=_("Optional: the credit-file record this document supports."),
    )

    def __init__(self, *args, records=(), **kwargs):
        """``records``: (record type, record) pairs of the customer that the user may see."""
        super().__init__(*args, **kwargs)
        self._records = {
            f"{record_type.key}:{record.pk}": record for record_type, record in records
        }
        self.fields["record"].choices = [("", _("None (the whole file)"))] + [
            (f"{record_type.key}:{record.pk}", f"{capfirst(record_type.label)}: {record}")
            for record_type, record in records
        ]

    def clean_record(self):
        # The choices hold only this customer's visible records, so the key always resolves.
        return self._records.get(self.cleaned_data.get("record") or "")


class AuditFilterForm(forms.Form):
    """Filters shared by the change-log and access-log pages (GET; never writes)."""

    user = forms.ModelChoiceField(
        label=_("User"), queryset=User.objects.none(), required=False, empty_label=_("All users")
    )
    customer = forms.CharField(
        label=_("Customer number"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.order_by("username")
        self.fields["user"].label_from_instance = _user_label

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    def selector_filters(self) -> dict:
        data = self.cleaned_data
        return {
            "actor": data.get("user"),
            "customer_code": data.get("customer") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }


class AccessLogFilterForm(AuditFilterForm):
    """Who read which customer's file, and when."""


class ChangeLogFilterForm(AuditFilterForm):
    """The change-log filters: the access-log ones plus the kind of object changed."""

    object_type = forms.ChoiceField(label=_("Object type"), required=False)

    field_order = ["object_type", "user", "customer", "date_from", "date_to"]

    def __init__(self, *args, object_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", _("All object types")), *object_types]

    def selector_filters(self) -> dict:
        return {**super().selector_filters(), "object_type": self.cleaned_data.get("object_type")}
