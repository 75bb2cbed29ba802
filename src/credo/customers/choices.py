"""Enumerations of the customer master."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    INDIVIDUAL = "individual", _("Individual")


class CustomerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")
    DEREGISTERED = "deregistered", _("Deregistered")


class LegalForm(models.TextChoices):
    LLC = "llc", _("Limited liability company")
    JOINT_STOCK = "joint_stock", _("Joint-stock company")
    STATE_OWNED_SOLE = "state_sole", _("Wholly state-owned company")
    PARTNERSHIP = "partnership", _("Partnership")
    SOLE_PROPRIETORSHIP = "sole_proprietorship", _("Sole proprietorship")
    INDIVIDUAL_BUSINESS = "individual_business", _("Individual business")
    FOREIGN_INVESTED = "foreign_invested", _("Foreign-invested enterprise")
    COOPERATIVE = "cooperative", _("Farmers' cooperative")
    BRANCH = "branch", _("Branch")
    INSTITUTION = "institution", _("Public institution")
    OTHER = "other", _("Other")


class SizeClass(models.TextChoices):
    LARGE = "large", _("Large")
    MEDIUM = "medium", _("Medium")
    SMALL = "small", _("Small")
    MICRO = "micro", _("Micro")


class OwnershipType(models.TextChoices):
    STATE = "state", _("State-owned")
    COLLECTIVE = "collective", _("Collective")
    PRIVATE = "private", _("Private")
    FOREIGN = "foreign", _("Foreign")
    HK_MACAO_TAIWAN = "hmt", _("Hong Kong, Macao and Taiwan")
    MIXED = "mixed", _("Mixed ownership")
    OTHER = "other", _("Other")


class AliasKind(models.TextChoices):
    FORMER_NAME = "former", _("Former name")
    ALIAS = "alias", _("Alias")
    SHORT_NAME = "short", _("Short name")
    ENGLISH_NAME = "english", _("English name")


class ContactRole(models.TextChoices):
    LEGAL_REPRESENTATIVE = "legal_rep", _("Legal representative")
    EXECUTIVE = "executive", _("Executive")
    FINANCE = "finance", _("Finance")
    PURCHASING = "purchasing", _("Purchasing")
    ACCOUNTS_PAYABLE = "ap", _("Accounts payable")
    OPERATIONS = "operations", _("Operations")
    OTHER = "other", _("Other")


class Currency(models.TextChoices):
    CNY = "CNY", _("Chinese yuan")
    USD = "USD", _("US dollar")
    EUR = "EUR", _("Euro")
    HKD = "HKD", _("Hong Kong dollar")
    JPY = "JPY", _("Japanese yen")
    GBP = "GBP", _("Pound sterling")


class Province(models.TextChoices):
    """The 34 provincial-level divisions, keyed by their GB/T 2260 two-digit prefix."""

    BEIJING = "11", _("Beijing")
    TIANJIN = "12", _("Tianjin")
    HEBEI = "13", _("Hebei")
    SHANXI = "14", _("Shanxi")
    INNER_MONGOLIA = "15", _("Inner Mongolia")
    LIAONING = "21", _("Liaoning")
    JILIN = "22", _("Jilin")
    HEILONGJIANG = "23", _("Heilongjiang")
    SHANGHAI = "31", _("Shanghai")
    JIANGSU = "32", _("Jiangsu")
    ZHEJIANG = "33", _("Zhejiang")
    ANHUI = "34", _("Anhui")
    FUJIAN = "35", _("Fujian")
    JIANGXI = "36", _("Jiangxi")
    SHANDONG = "37", _("Shandong")
    HENAN = "41", _("Henan")
    HUBEI = "42", _("Hubei")
    HUNAN = "43", _("Hunan")
    GUANGDONG = "44", _("Guangdong")
    GUANGXI = "45", _("Guangxi")
    HAINAN = "46", _("Hainan")
    CHONGQING = "50", _("Chongqing")
    SICHUAN = "51", _("Sichuan")
    GUIZHOU = "52", _("Guizhou")
    YUNNAN = "53", _("Yunnan")
    TIBET = "54", _("Tibet")
    SHAANXI = "61", _("Shaanxi")
    GANSU = "62", _("Gansu")
    QINGHAI = "63", _("Qinghai")
    NINGXIA = "64", _("Ningxia")
    XINJIANG = "65", _("Xinjiang")
    TAIWAN = "71", _("Taiwan")
    HONG_KONG = "81", _("Hong Kong")
    MACAO = "82", _("Macao")
