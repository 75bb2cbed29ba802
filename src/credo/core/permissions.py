"""The permission vocabulary and the roles that map onto it.

Django model permissions (``app.add_model`` ...) cover plain CRUD; the custom ones below carry
the business meaning. Roles are Django groups kept in sync by ``roles_sync``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# Custom permissions (declared in the Meta of customers.Customer and core models).
VIEW_ALL_CUSTOMERS = "customers.view_all_customers"  # object level: not only own customers
VIEW_SENSITIVE = "customers.view_sensitive"  # field level: unmasked ID/account/personal data
VIEW_CREDITFILE = "customers.view_creditfile"  # may open the credit-file dimensions
ASSIGN_OWNER = "customers.assign_owner"  # may change the account manager
IMPORT_DATA = "customers.import_data"
VIEW_CHANGELOG = "core.view_objectchange"
VIEW_ACCESSLOG = "core.view_accesslog"

CREDITFILE_MODELS = (
    "shareholder", "keymanager", "affiliation", "businessprofile", "marketshare",
    "financialstatement", "tradereference", "bankrelation", "publicrecord", "attachment",
)
CUSTOMER_MODELS = ("customer", "contact", "customeralias", "externalid", "teammember")
RECEIVABLES_MODELS = (
    "paymentterms", "fxrate", "salesorder", "delivery", "invoice", "invoiceinstalment",
    "creditnote", "payment", "allocation", "writeoff", "dispute", "security",
    "customerexposure", "openitemdue",
)
RELEASE_ORDER = "decisions.release_order"  # release/reject/recheck held orders within authority
RUN_CREDIT_CHECK = "decisions.add_creditcheck"  # run an order credit check (what-if included)
DECISIONS_MODELS = (
    "creditlimit", "listentry", "checkpolicy", "customersegment", "creditcheck",
    "ordercreditdecision", "releaseauthority",
)
# What an account manager may see about their own customers.
DECISIONS_CUSTOMER_MODELS = (
    "creditlimit", "listentry", "customersegment", "creditcheck", "ordercreditdecision",
)
COLLECTIONS_MODELS = ("dunninglevel", "dunningletter", "promisetopay", "collectorassignment")
# Collectors' work: letters, promises and who collects (the levels are configuration).
COLLECTIONS_WORK_MODELS = ("dunningletter", "promisetopay", "collectorassignment")
VIEW_COLLECTION_WORKLIST = "collections.view_worklist"
SEND_DUNNING_LETTER = "collections.send_dunningletter"  # send (or cancel) a proposed letter
RUN_DUNNING = "collections.add_dunningletter"  # run dunning: propose letters
RATING_MODELS = ("scorecardversion", "rating", "creditevent", "ratingoverride", "notification")
# Analysts' rating work; scorecard versions they may draft but not activate (change).
RATING_WORK_MODELS = ("rating", "creditevent", "ratingoverride", "notification")
PROPOSE_RATING_OVERRIDE = "rating.add_ratingoverride"  # propose another grade, with a reason
RECORD_CREDIT_EVENT = "rating.add_creditevent"  # record a credit event (re-rates the customer)
APPROVE_RATING_OVERRIDE = "rating.approve_override"  # approve or reject a proposed override


def _crud(app: str, models: tuple[str, ...], actions: tuple[str, ...]) -> list[str]:
    return [f"{app}.{action}_{model}" for model in models for action in actions]


ALL = ("view", "add", "change", "delete")
READ = ("view",)
WRITE = ("view", "add", "change")

ROLES: dict[str, dict] = {
    "administrator": {
        "label": _("Administrator"),
        "permissions": "__all__",
    },
    "credit_manager": {
        "label": _("Credit manager"),
        "permissions": [
            VIEW_ALL_CUSTOMERS, VIEW_SENSITIVE, VIEW_CREDITFILE, ASSIGN_OWNER, IMPORT_DATA,
            VIEW_CHANGELOG, "customers.view_industry", "customers.view_tag", "customers.add_tag",
            *_crud("customers", CUSTOMER_MODELS, ALL),
            *_crud("creditfile", CREDITFILE_MODELS, ALL),
            *_crud("receivables", RECEIVABLES_MODELS, ALL),
            *_crud("decisions", DECISIONS_MODELS, ALL), RELEASE_ORDER,
            *_crud("collections", COLLECTIONS_MODELS, ALL), VIEW_COLLECTION_WORKLIST,
            SEND_DUNNING_LETTER,
            *_crud("rating", RATING_MODELS, ALL), APPROVE_RATING_OVERRIDE,
        ],
    },
    "credit_analyst": {
        "label": _("Credit analyst"),
        "permissions": [
            VIEW_ALL_CUSTOMERS, VIEW_SENSITIVE, VIEW_CREDITFILE, IMPORT_DATA, VIEW_CHANGELOG,
            "customers.view_industry", "customers.view_tag",
            *_crud("customers", CUSTOMER_MODELS, WRITE),
            *_crud("creditfile", CREDITFILE_MODELS, ALL),
            *_crud("receivables", RECEIVABLES_MODELS, ALL),
            *_crud("decisions", DECISIONS_MODELS, READ), RUN_CREDIT_CHECK, RELEASE_ORDER,
            "decisions.add_ordercreditdecision",
            "collections.view_dunninglevel", *_crud("collections", COLLECTIONS_WORK_MODELS, WRITE),
            VIEW_COLLECTION_WORKLIST, SEND_DUNNING_LETTER,
            *_crud("rating", RATING_WORK_MODELS, WRITE), PROPOSE_RATING_OVERRIDE,
            "rating.view_scorecardversion", "rating.add_scorecardversion",
        ],
    },
    "account_manager": {
        "label": _("Account manager"),
        "permissions": [
            VIEW_CREDITFILE, VIEW_CHANGELOG, "customers.view_industry", "customers.view_tag",
            *_crud("customers", CUSTOMER_MODELS, WRITE),
            *_crud("creditfile", CREDITFILE_MODELS, WRITE),
            *_crud("receivables", RECEIVABLES_MODELS, READ),
            *_crud("decisions", DECISIONS_CUSTOMER_MODELS, READ), RUN_CREDIT_CHECK,
            *_crud("collections", COLLECTIONS_MODELS, READ), "collections.add_promisetopay",
            "collections.change_promisetopay", VIEW_COLLECTION_WORKLIST,
            *_crud("rating", RATING_MODELS, READ),
            RECORD_CREDIT_EVENT,  # owners enter news about their customers; it re-rates them
        ],
    },
    "service_agent": {
        "label": _("Service agent"),
        "permissions": [
            VIEW_ALL_CUSTOMERS, "customers.view_industry", "customers.view_tag",
            "customers.view_customer", "customers.view_contact", "customers.change_contact",
            "customers.add_contact", "customers.view_customeralias",
        ],
    },
    "auditor": {
        "label": _("Auditor"),
        "permissions": [
            VIEW_ALL_CUSTOMERS, VIEW_CREDITFILE, VIEW_CHANGELOG, VIEW_ACCESSLOG,
            "customers.view_industry", "customers.view_tag", "core.view_businessevent",
            *_crud("customers", CUSTOMER_MODELS, READ),
            *_crud("creditfile", CREDITFILE_MODELS, READ),
            *_crud("receivables", RECEIVABLES_MODELS, READ),
            *_crud("decisions", DECISIONS_MODELS, READ),
            *_crud("collections", COLLECTIONS_MODELS, READ), VIEW_COLLECTION_WORKLIST,
            *_crud("rating", RATING_MODELS, READ),
        ],
    },
    "viewer": {
        "label": _("Viewer"),
        "permissions": [
            VIEW_ALL_CUSTOMERS, VIEW_CREDITFILE, "customers.view_industry", "customers.view_tag",
            *_crud("customers", CUSTOMER_MODELS, READ),
            *_crud("creditfile", CREDITFILE_MODELS, READ),
            *_crud("receivables", RECEIVABLES_MODELS, READ),
            *_crud("decisions", DECISIONS_MODELS, READ),
            *_crud("collections", COLLECTIONS_MODELS, READ), VIEW_COLLECTION_WORKLIST,
            *_crud("rating", RATING_MODELS, READ),
        ],
    },
}

ROLE_CHOICES = [(key, spec["label"]) for key, spec in ROLES.items()]
