"""Enumerations of the credit file (信用档案)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    """Where a fact in the credit file came from."""

    CUSTOMER_PROVIDED = "customer", _("Provided by the customer")
    PUBLIC_REGISTRY = "registry", _("Public registry")
    CREDIT_AGENCY = "agency", _("Credit agency")
    BANK = "bank", _("Bank")
    OWN_RESEARCH = "research", _("Own research")
    IMPORT = "import", _("Import")


class ShareholderType(models.TextChoices):
    NATURAL_PERSON = "person", _("Natural person")
    ENTERPRISE = "enterprise", _("Enterprise")
    STATE = "state", _("State")
    OTHER = "other", _("Other")


class AffiliationType(models.TextChoices):
    PARENT = "parent", _("Parent company")
    SUBSIDIARY = "subsidiary", _("Subsidiary")
    SISTER = "sister", _("Sister company")
    ASSOCIATE = "associate", _("Associated company")
    COMMON_CONTROL = "common_control", _("Under common control")
    GUARANTOR = "guarantor", _("Guarantor")
    GUARANTEED = "guaranteed", _("Guaranteed party")
    OTHER = "other", _("Other")


class StatementPeriod(models.TextChoices):
    ANNUAL = "annual", _("Annual")
    SEMI_ANNUAL = "semi_annual", _("Semi-annual")
    QUARTERLY = "quarterly", _("Quarterly")


class AmountUnit(models.TextChoices):
    """The unit in which the lines of a statement are given (see ``UNIT_MULTIPLIER``)."""

    YUAN = "yuan", _("Yuan")
    THOUSAND = "thousand", _("Thousand yuan")
    TEN_THOUSAND = "ten_thousand", _("10 thousand yuan (万元)")


UNIT_MULTIPLIER = {
    AmountUnit.YUAN: 1,
    AmountUnit.THOUSAND: 1_000,
    AmountUnit.TEN_THOUSAND: 10_000,
}


class PaymentExperience(models.TextChoices):
    PROMPT = "prompt", _("Prompt")
    SLOW = "slow", _("Slow")
    VERY_SLOW = "very_slow", _("Very slow")
    COLLECTION = "collection", _("Placed for collection")


class RepaymentRecord(models.TextChoices):
    NORMAL = "normal", _("Always repaid on time")
    OCCASIONALLY_LATE = "occasionally_late", _("Occasionally late")
    FREQUENTLY_LATE = "frequently_late", _("Frequently late")
    DEFAULTED = "defaulted", _("Defaulted")
    UNKNOWN = "unknown", _("Unknown")


class PublicRecordType(models.TextChoices):
    LAWSUIT = "lawsuit", _("Lawsuit")
    ENFORCEMENT = "enforcement", _("Enforcement")
    DISHONEST_DEBTOR = "dishonest_debtor", _("Dishonest judgment debtor listing")
    MORTGAGE_PLEDGE = "mortgage_pledge", _("Mortgage or pledge")
    ADMINISTRATIVE_PENALTY = "admin_penalty", _("Administrative penalty")
    TAX_ISSUE = "tax_issue", _("Tax issue")
    HONOUR = "honour", _("Honour or certification")
    PRESS_NOTE = "press", _("Press note")
    # Lets a user record that a search was made and found nothing, so the dimension is dated.
    NO_FINDINGS = "no_findings", _("Search without findings")


class PartyRole(models.TextChoices):
    PLAINTIFF = "plaintiff", _("Plaintiff")
    DEFENDANT = "defendant", _("Defendant")
    THIRD_PARTY = "third_party", _("Third party")


class PublicRecordStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    SETTLED = "settled", _("Settled")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    LIFTED = "lifted", _("Lifted")
    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    UNKNOWN = "unknown", _("Unknown")


class AttachmentKind(models.TextChoices):
    LICENCE = "licence", _("Business licence")
    STATEMENT = "statement", _("Financial statement")
    CONTRACT = "contract", _("Contract")
    REPORT = "report", _("Credit report")
    CERTIFICATE = "certificate", _("Certificate")
    CORRESPONDENCE = "correspondence", _("Correspondence")
    OTHER = "other", _("Other")
