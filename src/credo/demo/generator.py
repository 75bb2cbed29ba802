"""Build a deterministic demo portfolio as plain data: no database access happens here.

Every customer gets its own random stream, ``random.Random("credo-demo:<seed>:<index>")``, so a
customer's data depends only on the seed, its index and the (deterministic) state shared with
earlier customers (codes already taken, group heads). The same seed and size therefore always give
the same portfolio, whichever writer stores it.

Each enterprise has a latent *health* (standard normal, shifted by size and age). It drives the
financial statements (growth, margins, leverage, days sales outstanding), trade references, bank
overdue history and the public record (more lawsuits and enforcement for weaker firms), so that
default models trained on the demo data find realistic drivers. ``CustomerSpec.health`` exposes it.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate
from typing import Any

from credo.core.validators import id_number_check_character, uscc_check_character

from . import names

# The portfolio is dated, not relative to "today", so that it is reproducible on any day.
DEFAULT_AS_OF = dt.date(2026, 11, 30)
DEMO_PASSWORD = "demo-password-1"
ADMIN_USERNAME = "demo"
INDIVIDUAL_SHARE = 0.10

_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # USCC alphabet: no I, O, S, V, Z
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_CENT = Decimal("0.01")


# Specs ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserSpec:
    """A demo login."""

    username: str
    role: str
    first_name: str
    last_name: str
    password: str = DEMO_PASSWORD

    @property
    def is_staff(self) -> bool:
        return self.role == "administrator"


@dataclass
class CustomerSpec:
    """One customer and everything around it, as plain values (no model instances).

    ``fields`` holds Customer fields with ``industry`` as a GB/T 4754 division code;
    ``records`` holds ``(record type key, fields)`` for the credit file, where a business profile
    carries its market shares under ``"market_shares"``.
    """

    index: int
    code: str
    health: float
    fields: dict[str, Any]
    account_manager: str
    parent_index: int | None = None
    is_group_head: bool = False
    tags: list[str] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    aliases: list[dict[str, Any]] = field(default_factory=list)
    external_ids: list[tuple[str, str]] = field(default_factory=list)
    team: list[tuple[str, str]] = field(default_factory=list)
    records: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


@dataclass(frozen=True)
class _Region:
    province: str
    abbreviation: str
    city_zh: str
    city_en: str
    area_code: str
    district_zh: str
    district_code: str

    @property
    def city_short(self) -> str:
        return self.city_zh.removesuffix("市")


@dataclass(frozen=True)
class _GroupHead:
    index: int
    brand_zh: str
    brand_en: str
    name_zh: str
    name_en: str
    uscc: str


@dataclass(frozen=True)
class _Person:
    name: str
    surname_en: str
    given_en: str


# Helpers -------------------------------------------------------------------------------------


def org_code_check_character(body: str) -> str:
    """GB 11714 check character of the 8-character organisation code inside a USCC."""
    total = sum(_org_value(ch) * w for ch, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def _org_value(ch: str) -> int:
    # Letters count from 10 (A) to 35 (Z), as in GB 11714.
    return int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10


def _money(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


def _clip(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _nice_round(value: float) -> float:
    """Round to a number people register capital in: 1, 1.2, 1.5, 2, 3, 5, 8 x 10^k."""
    exponent = math.floor(math.log10(value))
    mantissa = value / 10**exponent
    nice = min((1, 1.2, 1.5, 2, 2.5, 3, 5, 8, 10), key=lambda m: abs(m - mantissa))
    return nice * 10**exponent


def _split_percent(rng: random.Random, parts: int, total: Decimal = Decimal("100")) -> list[Decimal]:
    """``parts`` percentages with two decimals, largest first, adding up to ``total`` exactly."""
    if parts == 1:
        return [total]
    weights = sorted((rng.random() + 0.15 for _ in range(parts)), reverse=True)
    scale = float(total) / sum(weights)
    shares = [Decimal(f"{w * scale:.2f}") for w in weights[:-1]]
    shares.append(total - sum(shares))
    return shares


# The generator -------------------------------------------------------------------------------


_SIZE_CLASSES = ["micro", "small", "medium", "large"]
_SIZE_WEIGHTS = [34, 36, 20, 10]
_REVENUE_RANGE = {  # yuan per year
    "micro": (5e5, 5e6), "small": (5e6, 5e7), "medium": (5e7, 5e8), "large": (5e8, 2e10),
}
_CAPITAL_RANGE_WAN = {  # registered capital in 10,000 yuan
    "micro": (10, 100), "small": (100, 1_000), "medium": (1_000, 10_000),
    "large": (10_000, 500_000),
}
_EMPLOYEES = {"micro": (3, 19), "small": (20, 99), "medium": (100, 999), "large": (1_000, 20_000)}
_AGE_YEARS = {"micro": (0.5, 12), "small": (1, 20), "medium": (3, 30), "large": (5, 40)}
_LEGAL_FORMS = {
    "micro": (["llc", "sole_proprietorship", "individual_business", "partnership"], [70, 8, 18, 4]),
    "small": (["llc", "joint_stock", "foreign_invested", "partnership"], [84, 4, 8, 4]),
    "medium": (["llc", "joint_stock", "foreign_invested", "state_sole"], [66, 18, 12, 4]),
    "large": (["llc", "joint_stock", "foreign_invested", "state_sole"], [45, 35, 12, 8]),
}
_REGION_OF_PROVINCE = {
    **dict.fromkeys(["11", "12", "13", "14", "15"], "华北"),
    **dict.fromkeys(["21", "22", "23"], "东北"),
    **dict.fromkeys(["31", "32", "33", "34", "35", "36", "37"], "华东"),
    **dict.fromkeys(["41", "42", "43"], "华中"),
    **dict.fromkeys(["44", "45", "46"], "华南"),
    **dict.fromkeys(["50", "51", "52", "53", "54"], "西南"),
    **dict.fromkeys(["61", "62", "63", "64", "65"], "西北"),
}
_SPECIALIST_ROLES = [
    ("manager", "credit_manager", "王", "立信"),
    ("analyst", "credit_analyst", "李", "思远"),
    ("service", "service_agent", "赵", "敏"),
    ("auditor", "auditor", "孙", "正"),
    ("viewer", "viewer", "周", "晓"),
]


class PortfolioGenerator:
    """Deterministic generator of demo users and customers.

    ``users`` is ready after construction; ``customers()`` yields ``count`` customer specs in
    order and must be consumed once (it keeps the codes already taken).
    """

    def __init__(self, *, seed: int, count: int, as_of: dt.date = DEFAULT_AS_OF) -> None:
        self.seed = seed
        self.count = count
        self.as_of = as_of
        self.latest_fiscal_year = as_of.year - 1 if as_of >= dt.date(as_of.year, 5, 1) else (
            as_of.year - 2
        )
        self._used_usccs: set[str] = set()
        self._used_id_numbers: set[str] = set()
        self._used_names: set[str] = set()
        self._heads: list[_GroupHead] = []
        self._erp_next = 1_000_001
        self._crm_next = 1
        self._regions, self._region_cum = self._region_table()
        divisions = sorted(names.INDUSTRY_WORDS)
        self._divisions = divisions
        self._division_cum = list(accumulate(names.INDUSTRY_WORDS[d][0] for d in divisions))
        self._bank_names = [b for b, _w in names.BANKS]
        self._bank_cum = list(accumulate(w for _b, w in names.BANKS))
        setup = random.Random(f"credo-demo:{seed}:setup")
        self.users = self._make_users(setup)
        self._managers_by_province = self._territories(setup)

    # users and territories ---------------------------------------------------------------

    def _make_users(self, rng: random.Random) -> list[UserSpec]:
        users = [UserSpec(ADMIN_USERNAME, "administrator", "演示", "管理员")]
        users += [UserSpec(u, role, given, surname) for u, role, surname, given in _SPECIALIST_ROLES]
        manager_count = max(4, min(200, self.count // 500))
        for number in range(1, manager_count + 1):
            person = self._person(rng)
            users.append(
                UserSpec(f"am{number:02d}", "account_manager", person.name[1:], person.name[0])
            )
        return users

    @property
    def account_managers(self) -> list[str]:
        return [u.username for u in self.users if u.role == "account_manager"]

    def _territories(self, rng: random.Random) -> dict[str, list[str]]:
        managers = self.account_managers
        territories: dict[str, list[str]] = {}
        for position, (province, *_rest) in enumerate(names.REGIONS):
            # Every province has a lead manager (round robin) and, often, a second one.
            lead = managers[position % len(managers)]
            team = [lead]
            if len(managers) > 1 and rng.random() < 0.6:
                team.append(rng.choice([m for m in managers if m != lead]))
            extra = len(managers) // len(names.REGIONS)  # large runs: spread managers out
            team += rng.sample([m for m in managers if m not in team], k=min(extra, 6))
            territories[province] = team
        return territories

    # shared pieces -----------------------------------------------------------------------

    @staticmethod
    def _region_table() -> tuple[list[_Region], list[float]]:
        regions: list[_Region] = []
        weights: list[float] = []
        for province, weight, abbreviation, cities in names.REGIONS:
            for position, (city_zh, city_en, area, districts) in enumerate(cities):
                city_weight = weight * (2 if position == 0 else 1) / (len(cities) + 1)
                for district_zh, district_code in districts:
                    regions.append(
                        _Region(province, abbreviation, city_zh, city_en, area, district_zh,
                                district_code)
                    )
                    weights.append(city_weight / len(districts))
        return regions, list(accumulate(weights))

    def _region(self, rng: random.Random) -> _Region:
        return rng.choices(self._regions, cum_weights=self._region_cum)[0]

    def _person(self, rng: random.Random) -> _Person:
        surname, surname_en = rng.choice(names.SURNAMES)
        given = [rng.choice(names.GIVEN_NAME_CHARS) for _ in range(1 if rng.random() < 0.3 else 2)]
        return _Person(
            surname + "".join(c for c, _p in given), surname_en, "".join(p for _c, p in given)
        )

    def _id_number(self, rng: random.Random, region: _Region, born_from: int = 1955,
                   born_to: int = 2000) -> str:
        while True:
            birth = dt.date(born_from, 1, 1) + dt.timedelta(
                days=rng.randrange((dt.date(born_to, 12, 31) - dt.date(born_from, 1, 1)).days)
            )
            first17 = f"{region.district_code}{birth:%Y%m%d}{rng.randrange(1, 1000):03d}"
            number = first17 + id_number_check_character(first17)
            if number not in self._used_id_numbers:
                self._used_id_numbers.add(number)
                return number

    def _uscc(self, rng: random.Random, region: _Region, founded: dt.date, kind_digit: str) -> str:
        while True:
            if founded >= dt.date(2015, 10, 1):
                body = "MA" + "".join(rng.choice(_ORG_ALPHABET) for _ in range(6))
            else:
                body = "".join(rng.choice("0123456789") for _ in range(8))
            first17 = f"9{kind_digit}{region.district_code}{body}{org_code_check_character(body)}"
            code = first17 + uscc_check_character(first17)
            if code not in self._used_usccs:
                self._used_usccs.add(code)
                return code

    @staticmethod
    def _mobile(rng: random.Random) -> str:
        return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"

    @staticmethod
    def _landline(rng: random.Random, region: _Region) -> str:
        return f"{region.area_code}-{rng.randrange(2, 9)}{rng.randrange(10**7):07d}"

    def _street(self, rng: random.Random) -> str:
        street = f"{rng.choice(names.STREET_NAMES)}{rng.randrange(1, 999)}号"
        if rng.random() < 0.6:
            building = rng.choice(names.BUILDING_WORDS)
            floor = rng.randrange(2, 33)
            street += f"{rng.choice(names.BRAND_FIRST)[0]}{rng.choice(names.BRAND_SECOND)[0]}"
            street += f"{building}{floor}楼{floor}{rng.randrange(1, 20):02d}室"
        return street

    def _brand(self, rng: random.Random) -> tuple[str, str]:
        first, first_en = rng.choice(names.BRAND_FIRST)
        second, second_en = rng.choice(names.BRAND_SECOND)
        while second == first:
            second, second_en = rng.choice(names.BRAND_SECOND)
        return first + second, first_en + second_en

    def _division(self, rng: random.Random) -> str:
        return rng.choices(self._divisions, cum_weights=self._division_cum)[0]

    def _date_between(self, rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
        if end <= start:
            return start
        return start + dt.timedelta(days=rng.randrange((end - start).days + 1))

    def _company_name(self, rng: random.Random) -> str:
        """A plausible company name that is not a customer (suppliers, guarantors)."""
        region = self._region(rng)
        brand, _en = self._brand(rng)
        word = rng.choice(names.INDUSTRY_WORDS[self._division(rng)][2])[0]
        return f"{region.city_zh}{brand}{word}有限公司"

    # customers ---------------------------------------------------------------------------

    def customers(self) -> Iterator[CustomerSpec]:
        """Yield the customer specs in order (index 0 .. count-1)."""
        for index in range(self.count):
            rng = random.Random(f"credo-demo:{self.seed}:{index}")
            if rng.random() < INDIVIDUAL_SHARE:
                yield self._individual(rng, index)
            else:
                yield self._enterprise(rng, index)

    def _code(self, index: int) -> str:
        return f"C{index + 1:08d}"

    def _owner(self, rng: random.Random, province: str) -> str:
        return rng.choice(self._managers_by_province[province])

    def _external_ids(self, rng: random.Random, crm_share: float) -> list[tuple[str, str]]:
        result = []
        if rng.random() < 0.85:
            result.append(("ERP", f"{self._erp_next:07d}"))
            self._erp_next += rng.randrange(1, 4)
        if rng.random() < crm_share:
            result.append(("CRM", f"CRM{self._crm_next:08d}"))
            self._crm_next += rng.randrange(1, 3)
        return result

    def _individual(self, rng: random.Random, index: int) -> CustomerSpec:
        health = rng.gauss(0.0, 1.0)
        region = self._region(rng)
        person = self._person(rng)
        id_number = self._id_number(rng, region)
        fields = {
            "code": self._code(index),
            "kind": "individual",
            "name_zh": person.name,
            "name_en": "",
            "status": "active",
            "id_number": id_number,
            "phone": self._mobile(rng),
            "registered_province": region.province,
            "registered_city": region.city_zh,
            "registered_district": region.district_zh,
            "registered_street": self._street(rng),
        }
        spec = CustomerSpec(
            index=index, code=fields["code"], health=health, fields=fields,
            account_manager=self._owner(rng, region.province),
        )
        spec.external_ids = self._external_ids(rng, crm_share=0.7)
        return spec

    def _enterprise(self, rng: random.Random, index: int) -> CustomerSpec:
        base_health = rng.gauss(0.0, 1.0)
        size = rng.choices(_SIZE_CLASSES, weights=_SIZE_WEIGHTS)[0]
        forms, form_weights = _LEGAL_FORMS[size]
        legal_form = rng.choices(forms, weights=form_weights)[0]
        division = self._division(rng)
        _weight, archetype, words, products = names.INDUSTRY_WORDS[division]
        if archetype == "primary" and size in {"micro", "small"} and rng.random() < 0.4:
            legal_form = "cooperative"
        region = self._region(rng)
        low, high = _AGE_YEARS[size]
        age_years = low + (high - low) * rng.random() ** 1.3
        founded = self.as_of - dt.timedelta(days=int(age_years * 365.25))
        health = (
            base_health
            + {"micro": -0.15, "small": 0.0, "medium": 0.1, "large": 0.25}[size]
            + 0.15 * min(age_years / 15, 1.0)
            - 0.1
        )

        head: _GroupHead | None = None
        is_head = size == "large" and legal_form != "foreign_invested" and rng.random() < 0.3
        joins_group = rng.random() < 0.07
        if not is_head and self._heads and legal_form in {"llc", "joint_stock"} and joins_group:
            head = rng.choice(self._heads)
            if rng.random() < 0.2:
                legal_form = "branch"

        meaningful = legal_form == "foreign_invested"
        name_zh, name_en, brand_zh, brand_en, word = self._names(
            rng, region, legal_form, words, head=head, is_head=is_head, meaningful=meaningful
        )
        if name_zh is None:  # the group could not take another name here: stand alone
            head = None
            if legal_form == "branch":
                legal_form = "llc"
            name_zh, name_en, brand_zh, brand_en, word = self._names(
                rng, region, legal_form, words, head=None, is_head=is_head, meaningful=meaningful
            )
        with_english = meaningful or rng.random() < 0.2
        english_only = meaningful and rng.random() < 0.3
        kind_digit = {"individual_business": "2", "cooperative": "3"}.get(legal_form, "1")
        uscc = self._uscc(rng, region, founded, kind_digit)

        currency = "USD" if legal_form == "foreign_invested" and rng.random() < 0.5 else "CNY"
        capital_low, capital_high = _CAPITAL_RANGE_WAN[size]
        registered_wan = _nice_round(
            math.exp(rng.uniform(math.log(capital_low), math.log(capital_high)))
        )
        if currency == "USD":
            registered_wan = _nice_round(registered_wan / 7)
        registered = Decimal(int(round(registered_wan * 10_000)))
        if founded >= dt.date(2014, 3, 1) and rng.random() < 0.3:
            paid_in = Decimal("0.00")  # subscribed-capital regime: often nothing paid in yet
        elif rng.random() < 0.45:
            paid_in = registered
        else:
            paid_in = (registered * Decimal(f"{rng.uniform(0.2, 0.95):.2f}")).quantize(_CENT)
        registered = registered.quantize(_CENT)
        paid_in = paid_in.quantize(_CENT)

        ownership = self._ownership(rng, legal_form)
        status = "active"
        if rng.random() < (0.08 if health < -1.8 else 0.015):
            status = rng.choice(["suspended", "revoked", "deregistered"])
        legal_rep = self._person(rng)
        operating = region if rng.random() < 0.85 else self._region(rng)
        domain = self._domain(rng, brand_en)

        fields: dict[str, Any] = {
            "code": self._code(index),
            "kind": "enterprise",
            "name_zh": "" if english_only else name_zh,
            "name_en": name_en if with_english else "",
            "status": status,
            "uscc": uscc,
            "legal_form": legal_form,
            "industry": division,
            "size_class": size,
            "ownership_type": ownership,
            "legal_representative": legal_rep.name,
            "registered_capital": registered,
            "registered_capital_currency": currency,
            "paid_in_capital": paid_in,
            "paid_in_capital_currency": currency,
            "founding_date": founded,
            "registered_province": region.province,
            "registered_city": region.city_zh,
            "registered_district": region.district_zh,
            "registered_street": self._street(rng),
            "operating_province": operating.province,
            "operating_city": operating.city_zh,
            "operating_district": operating.district_zh,
            "operating_street": self._street(rng),
            "website": f"https://www.{domain}" if rng.random() < 0.4 else "",
        }
        spec = CustomerSpec(
            index=index, code=fields["code"], health=health, fields=fields,
            account_manager=self._owner(rng, region.province),
            parent_index=head.index if head else None, is_group_head=is_head,
        )
        if is_head:
            self._heads.append(
                _GroupHead(index, brand_zh, brand_en, name_zh, name_en, uscc)
            )
        spec.contacts = self._contacts(rng, region, legal_rep, domain)
        spec.aliases = self._aliases(rng, region, name_zh, brand_zh, word, founded, english_only)
        spec.external_ids = self._external_ids(rng, crm_share=0.5)
        if rng.random() < 0.08 and len(self.account_managers) > 1:
            colleague = rng.choice([m for m in self.account_managers if m != spec.account_manager])
            spec.team.append((colleague, "协办客户经理"))

        revenue_low, revenue_high = _REVENUE_RANGE[size]
        revenue = math.exp(rng.uniform(math.log(revenue_low), math.log(revenue_high)))
        context = _FirmContext(
            rng=rng, region=region, size=size, archetype=archetype, products=products,
            division=division, founded=founded, health=health, revenue=revenue,
            legal_form=legal_form, legal_rep=legal_rep, registered=registered, paid_in=paid_in,
            currency=currency, head=head, name=name_zh or name_en, word=word,
        )
        spec.records = self._credit_file(context)
        spec.tags = self._tags(rng, spec, context)
        return spec

    def _names(self, rng, region, legal_form, words, *, head, is_head, meaningful):
        """Chinese and English legal names, unique within the portfolio (None when impossible)."""
        for attempt in range(60):
            word_zh, word_en = rng.choice(words)
            if head is not None:
                brand_zh, brand_en = head.brand_zh, head.brand_en
                if attempt >= 12:
                    return None, None, None, None, None
            elif meaningful:
                brand_zh, brand_en = rng.choice(names.BRAND_MEANINGFUL)
            else:
                brand_zh, brand_en = self._brand(rng)
            if attempt >= 30 and head is None:  # crowded: a three-character trade name
                extra_zh, extra_en = rng.choice(names.BRAND_SECOND)
                brand_zh, brand_en = brand_zh + extra_zh, brand_en + extra_en
            city = region.city_zh if rng.random() < 0.7 else region.city_short
            city_en = region.city_en
            if is_head:
                suffix_zh, suffix_en = rng.choice(
                    [("集团有限公司", "Group Co., Ltd."), ("控股集团有限公司", "Holding Group Co., Ltd."),
                     ("集团股份有限公司", "Group Co., Ltd.")]
                )
                name_zh = f"{city}{brand_zh}{suffix_zh}" if rng.random() < 0.5 else (
                    f"{brand_zh}{suffix_zh}"
                )
                name_en = f"{brand_en} {suffix_en}"
            elif legal_form == "branch":
                name_zh = f"{head.name_zh}{region.city_zh}分公司"
                name_en = f"{head.name_en} {city_en} Branch"
            elif legal_form == "joint_stock":
                name_zh = f"{city}{brand_zh}{word_zh}股份有限公司"
                name_en = f"{city_en} {brand_en} {word_en} Co., Ltd."
            elif legal_form == "partnership":
                name_zh = f"{city}{brand_zh}{word_zh}合伙企业(普通合伙)"
                name_en = f"{city_en} {brand_en} {word_en} Partnership"
            elif legal_form == "sole_proprietorship":
                name_zh = f"{city}{region.district_zh}{brand_zh}{word_zh}厂"
                name_en = f"{city_en} {brand_en} {word_en} Factory"
            elif legal_form == "individual_business":
                name_zh = f"{city}{region.district_zh}{brand_zh}{word_zh}经营部"
                name_en = f"{city_en} {brand_en} {word_en} Store"
            elif legal_form == "cooperative":
                name_zh = f"{city}{brand_zh}{word_zh}专业合作社"
                name_en = f"{city_en} {brand_en} {word_en} Cooperative"
            else:
                name_zh = f"{city}{brand_zh}{word_zh}有限公司"
                name_en = f"{city_en} {brand_en} {word_en} Co., Ltd."
            if name_zh not in self._used_names and name_en not in self._used_names:
                self._used_names.add(name_zh)
                self._used_names.add(name_en)
                return name_zh, name_en, brand_zh, brand_en, word_zh
        raise RuntimeError("could not find a free company name")  # pragma: no cover

    @staticmethod
    def _ownership(rng: random.Random, legal_form: str) -> str:
        if legal_form == "state_sole":
            return "state"
        if legal_form == "foreign_invested":
            return "foreign" if rng.random() < 0.7 else "hmt"
        if legal_form == "cooperative":
            return "collective"
        if legal_form == "joint_stock":
            return rng.choices(["private", "mixed", "state"], weights=[70, 20, 10])[0]
        if legal_form in {"llc", "branch"}:
            return rng.choices(["private", "state", "mixed", "collective"], weights=[90, 4, 3, 3])[0]
        return "private"

    @staticmethod
    def _domain(rng: random.Random, brand_en: str) -> str:
        slug = "".join(ch for ch in brand_en.lower() if ch.isalnum())
        return f"{slug}{rng.choice(['', 'tech', 'group', 'china', 'gz', 'sz'])}." + rng.choice(
            ["com", "cn", "com.cn"]
        )

    def _contacts(self, rng, region: _Region, legal_rep: _Person, domain: str) -> list[dict]:
        contacts = []
        finance = self._person(rng)
        contacts.append({
            "name": finance.name, "role": "finance", "title": "财务经理",
            "phone": self._landline(rng, region), "mobile": self._mobile(rng),
            "email": f"{finance.given_en}.{finance.surname_en}@{domain}".lower(),
            "wechat": "", "is_primary": True, "notes": "",
        })
        if rng.random() < 0.6:
            contacts.append({
                "name": legal_rep.name, "role": "legal_rep", "title": "总经理",
                "phone": "", "mobile": self._mobile(rng), "email": "",
                "wechat": f"wx_{legal_rep.surname_en.lower()}{rng.randrange(100, 9999)}",
                "is_primary": False, "notes": "",
            })
        if rng.random() < 0.5:
            buyer = self._person(rng)
            contacts.append({
                "name": buyer.name, "role": "purchasing", "title": "采购经理",
                "phone": self._landline(rng, region), "mobile": self._mobile(rng),
                "email": f"{buyer.given_en}.{buyer.surname_en}@{domain}".lower(),
                "wechat": "", "is_primary": False, "notes": "",
            })
        if rng.random() < 0.3:
            payables = self._person(rng)
            contacts.append({
                "name": payables.name, "role": "ap", "title": "应付会计",
                "phone": self._landline(rng, region), "mobile": "",
                "email": f"ap@{domain}", "wechat": "", "is_primary": False,
                "notes": "对账请于每月25日前发送",
            })
        return contacts

    def _aliases(self, rng, region, name_zh, brand_zh, word, founded, english_only) -> list[dict]:
        if english_only or not name_zh:
            return []
        aliases = []
        if rng.random() < 0.5 and word:
            short = f"{brand_zh}{word}"
            if short != name_zh:
                aliases.append({"name": short, "kind": "short", "valid_until": None})
        if rng.random() < 0.12 and founded < self.as_of - dt.timedelta(days=730):
            former_brand, _en = self._brand(rng)
            former = f"{region.city_zh}{former_brand}{word or '贸易'}有限公司"
            if former != name_zh:
                until = self._date_between(rng, founded + dt.timedelta(days=365), self.as_of)
                aliases.append({"name": former, "kind": "former", "valid_until": until})
        return aliases

    @staticmethod
    def _tags(rng: random.Random, spec: CustomerSpec, context: _FirmContext) -> list[str]:
        tags = []
        if context.size in {"large", "medium"} and spec.health > 0.5:
            tags.append("重点客户")
        if spec.is_group_head or spec.parent_index is not None:
            tags.append("集团客户")
        if any(
            key == "business-profiles"
            and any(share["region"] == "出口" for share in data["market_shares"])
            for key, data in spec.records
        ):
            tags.append("出口")
        if rng.random() < 0.05:
            tags.append("新客户")
        return tags

    # credit file -------------------------------------------------------------------------

    def _credit_file(self, c: _FirmContext) -> list[tuple[str, dict[str, Any]]]:
        rng = c.rng
        records: list[tuple[str, dict[str, Any]]] = []
        coverage = {"micro": 0.45, "small": 0.65, "medium": 0.85, "large": 0.97}[c.size]
        if rng.random() < 0.9:
            records += [("shareholders", s) for s in self._shareholders(c)]
            records += [("key-management", m) for m in self._key_managers(c)]
        records += [("affiliations", a) for a in self._affiliations(c)]
        if rng.random() < coverage + 0.05:
            records.append(("business-profiles", self._business_profile(c)))
        if rng.random() < coverage:
            records += [("financial-statements", s) for s in self._statements(c)]
        if rng.random() < coverage:
            records += [("trade-references", t) for t in self._trade_references(c)]
        if rng.random() < coverage + 0.05:
            records += [("bank-relations", b) for b in self._bank_relations(c)]
        records += [("public-records", p) for p in self._public_records(c)]
        return records

    def _provenance(self, rng: random.Random, source: str, latest: dt.date | None = None,
                    max_age_days: int = 365) -> dict[str, Any]:
        latest = min(latest or self.as_of, self.as_of)
        as_of = latest - dt.timedelta(days=rng.randrange(max_age_days + 1))
        return {"as_of": as_of, "source": source, "source_detail": ""}

    def _shareholders(self, c: _FirmContext) -> list[dict[str, Any]]:
        rng = c.rng
        holders: list[tuple[str, str, str, str]] = []  # name, type, id_number, uscc
        if c.legal_form == "state_sole":
            holders.append((f"{c.region.city_zh}人民政府国有资产监督管理委员会", "state", "", ""))
        elif c.head is not None:
            holders.append((c.head.name_zh or c.head.name_en, "enterprise", "", c.head.uscc))
        elif c.legal_form == "foreign_invested":
            brand = rng.choice(names.BRAND_MEANINGFUL)[1]
            holders.append((f"{brand} Holdings Limited", "enterprise", "", ""))
            if rng.random() < 0.3:
                holders.append((self._company_name(rng), "enterprise", "",
                                self._uscc(rng, c.region, c.founded, "1")))
        elif c.legal_form in {"sole_proprietorship", "individual_business"}:
            holders.append((c.legal_rep.name, "person",
                            self._id_number(rng, c.region, 1960, 1995), ""))
        else:
            count = rng.randint(3, 6) if c.legal_form == "joint_stock" else rng.randint(1, 4)
            holders.append((c.legal_rep.name, "person",
                            self._id_number(rng, c.region, 1955, 1995), ""))
            for _ in range(count - 1):
                if rng.random() < 0.25:
                    holders.append((self._company_name(rng), "enterprise", "",
                                    self._uscc(rng, self._region(rng), c.founded, "1")))
                else:
                    holders.append(self._natural_holder(rng, c))
            if c.legal_form == "joint_stock":
                holders.append(("其他股东", "other", "", ""))
        # Distinct names: shareholders are matched by name.
        seen: set[str] = set()
        holders = [h for h in holders if not (h[0] in seen or seen.add(h[0]))]
        if c.head is not None:
            # The group holds a majority (a branch belongs to it entirely); minorities are people.
            majority = Decimal(100) if c.legal_form == "branch" else Decimal(
                rng.choice(["51", "60", "70", "80", "100"])
            )
            minority_count = 0 if majority == 100 else rng.randint(1, 2)
            for _ in range(minority_count):
                holder = self._natural_holder(rng, c)
                if holder[0] not in seen:
                    seen.add(holder[0])
                    holders.append(holder)
            rest = _split_percent(rng, len(holders) - 1, Decimal(100) - majority) if (
                len(holders) > 1
            ) else []
            percents = [majority, *rest]
        else:
            percents = _split_percent(rng, len(holders))
        provenance = self._provenance(rng, rng.choice(["registry", "agency"]), max_age_days=200)
        result = []
        for (name, holder_type, id_number, uscc), percent in zip(holders, percents, strict=True):
            result.append({
                "name": name,
                "shareholder_type": holder_type,
                "share_percent": percent,
                "subscribed_capital": (c.registered * percent / 100).quantize(_CENT),
                "paid_capital": (c.paid_in * percent / 100).quantize(_CENT),
                "currency": c.currency,
                "id_number": id_number,
                "uscc": uscc,
                **provenance,
            })
        return result

    def _natural_holder(self, rng: random.Random, c: _FirmContext) -> tuple[str, str, str, str]:
        person = self._person(rng)
        return (person.name, "person", self._id_number(rng, c.region, 1955, 1998), "")

    def _key_managers(self, c: _FirmContext) -> list[dict[str, Any]]:
        rng = c.rng
        provenance = self._provenance(rng, "registry", max_age_days=200)
        start = c.founded
        chair = "董事长" if c.legal_form in {"joint_stock", "state_sole"} or c.size == "large" else (
            "执行董事"
        )
        people = [(c.legal_rep.name, chair), (self._person(rng).name, "总经理")]
        if c.size != "micro":
            people.append((self._person(rng).name, "财务总监" if c.size == "large" else "财务负责人"))
        if rng.random() < 0.5:
            people.append((self._person(rng).name, "监事"))
        managers = []
        for name, title in people:
            since = self._date_between(rng, start, provenance["as_of"])
            managers.append({"name": name, "title": title, "since": since, **provenance})
        return managers

    def _affiliations(self, c: _FirmContext) -> list[dict[str, Any]]:
        rng = c.rng
        result = []
        if c.head is not None:
            result.append({
                "related_company_name": c.head.name_zh or c.head.name_en,
                "relation_type": "parent", "uscc": c.head.uscc,
                **self._provenance(rng, "registry", max_age_days=200),
            })
        if rng.random() < 0.08:
            result.append({
                "related_company_name": self._company_name(rng),
                "relation_type": "guarantor", "uscc": "",
                **self._provenance(rng, "customer", max_age_days=365),
            })
        return result

    def _business_profile(self, c: _FirmContext) -> dict[str, Any]:
        rng = c.rng
        low, high = _EMPLOYEES[c.size]
        home = _REGION_OF_PROVINCE[c.region.province]
        regions = [home] + rng.sample([r for r in names.MARKET_REGIONS if r != home],
                                      k=rng.randint(0, 3))
        percents = _split_percent(rng, len(regions))
        provenance = self._provenance(rng, rng.choice(["customer", "research"]), max_age_days=330)
        terms = rng.choice([30, 45, 60, 90])
        return {
            "business_scope": (
                f"{c.products}的研发、生产、销售；货物进出口；技术进出口（依法须经批准的项目，"
                f"经相关部门批准后方可开展经营活动）。"
            ),
            "main_products": c.products,
            "supply_sources": f"主要原材料及商品采购自{rng.choice(names.MARKET_REGIONS[:7])}地区，"
                              f"前五大供应商占比约{rng.randrange(20, 70)}%。",
            "payment_practices": f"对下游客户一般给予{terms}天账期，以银行转账和银行承兑汇票结算。",
            "employees": rng.randint(low, high),
            **provenance,
            "market_shares": [
                {"region": region, "percent": percent, "as_of": provenance["as_of"],
                 "source": provenance["source"], "source_detail": ""}
                for region, percent in zip(regions, percents, strict=True)
            ],
        }

    def _statements(self, c: _FirmContext) -> list[dict[str, Any]]:
        """Three annual statements that balance and follow the firm's latent health."""
        rng = c.rng
        h = c.health
        margin, turnover, dso, dio, non_current = names.ARCHETYPES[c.archetype]
        gross_margin = _clip(margin * (1 + 0.25 * rng.gauss(0, 1)) + 0.03 * h, 0.03, 0.7)
        # A third of the gross margin is left after overheads for an average firm.
        operating_margin = 0.3 * gross_margin + 0.035 * h + rng.gauss(0, 0.015)
        dso_days = dso * math.exp(-0.15 * h + rng.gauss(0, 0.2))
        dio_days = dio * math.exp(-0.1 * h + rng.gauss(0, 0.2))
        cash_ratio = _clip(0.08 + 0.04 * h + rng.gauss(0, 0.02), 0.01, 0.4)
        non_current_ratio = non_current * math.exp(rng.gauss(0, 0.3)) / turnover
        debt_ratio = _clip(0.55 - 0.12 * h + rng.gauss(0, 0.08), 0.08, 1.15)
        payout = 0.3 if h > 0.5 else 0.0
        rate = 0.045 + (0.015 if h < -1 else 0.0)
        trend = 0.03 + 0.07 * h
        years = [self.latest_fiscal_year - 2, self.latest_fiscal_year - 1, self.latest_fiscal_year]
        growth = [trend + rng.gauss(0, 0.08) for _ in years]
        revenues = [c.revenue]
        for g in reversed(growth[1:]):
            revenues.insert(0, revenues[0] / (1 + g))

        # Large firms report in 10,000 yuan (万元), the others in yuan.
        unit, unit_key = (10_000, "ten_thousand") if c.size == "large" else (1, "yuan")
        audited_share = {"micro": 0.05, "small": 0.25, "medium": 0.7, "large": 0.95}[c.size]
        audited = rng.random() < audited_share
        auditor = rng.choice(names.AUDITORS) if audited else ""
        source = "agency" if rng.random() < 0.2 else "customer"

        def q(value: float) -> Decimal:
            return _money(value / unit)

        statements = []
        previous: dict[str, float] | None = None
        equity = 0.0
        contributed = None  # paid-in capital and reserves: 60 % of the first equity
        for position, (year, revenue) in enumerate(zip(years, revenues, strict=True)):
            period_end = dt.date(year, 12, 31)
            if period_end < c.founded:
                continue
            cost = revenue * (1 - _clip(gross_margin + rng.gauss(0, 0.01), 0.02, 0.8))
            operating = revenue * (operating_margin + rng.gauss(0, 0.01))
            receivables = revenue * dso_days / 365
            inventory = cost * dio_days / 365
            cash = revenue * _clip(cash_ratio + rng.gauss(0, 0.01), 0.005, 0.5)
            other_current = 0.1 * (receivables + inventory)
            current = cash + receivables + inventory + other_current
            non_current_assets = revenue * non_current_ratio
            fixed = non_current_assets * 0.7
            total = current + non_current_assets
            if previous is None:
                equity = total * (1 - debt_ratio)
                liabilities_before = total * debt_ratio
            else:
                liabilities_before = previous["liabilities"]
            interest = rate * 0.5 * liabilities_before
            pre_tax = operating - interest
            net = pre_tax * 0.75 if pre_tax > 0 else pre_tax
            if previous is not None:
                equity = equity + (net * (1 - payout) if net > 0 else net)
            equity = min(equity, total * 0.92)  # surplus cash is paid out as dividends
            if contributed is None:
                contributed = 0.6 * equity
            liabilities = total - equity
            current_liabilities = liabilities * _clip(0.72 + rng.gauss(0, 0.08), 0.4, 0.95)
            depreciation = fixed * 0.08
            if previous is None:  # the year before the first statement, from the trend
                factor = 1 + growth[position]
                previous = {
                    "receivables": receivables / factor, "inventory": inventory / factor,
                    "cash": cash / factor, "non_current": non_current_assets / factor,
                    "liabilities": liabilities_before,
                }
            operating_cf = (
                net + depreciation
                - (receivables - previous["receivables"])
                - (inventory - previous["inventory"])
            )
            investing_cf = -(non_current_assets - previous["non_current"] + depreciation)
            financing_cf = (cash - previous["cash"]) - operating_cf - investing_cf

            lines = {
                "cash": q(cash), "accounts_receivable": q(receivables), "inventory": q(inventory),
            }
            current_assets = lines["cash"] + lines["accounts_receivable"] + lines["inventory"] + q(
                other_current
            )
            total_assets = current_assets + q(non_current_assets)
            equity_d = q(equity)
            statements.append({
                "period_type": "annual",
                "period_end": period_end,
                "audited": audited,
                "auditor": auditor,
                "currency": "CNY",
                "unit": unit_key,
                **lines,
                "current_assets": current_assets,
                "fixed_assets": q(fixed),
                "total_assets": total_assets,
                "current_liabilities": q(current_liabilities),
                "total_liabilities": total_assets - equity_d,
                "equity": equity_d,
                "retained_earnings": q(equity - contributed),
                "revenue": q(revenue),
                "cost_of_sales": q(cost),
                "operating_profit": q(operating),
                "interest_expense": q(interest),
                "net_profit": q(net),
                "operating_cash_flow": q(operating_cf),
                "investing_cash_flow": q(investing_cf),
                "financing_cash_flow": q(financing_cf),
                "as_of": min(period_end + dt.timedelta(days=rng.randrange(90, 150)), self.as_of),
                "source": source,
                "source_detail": "",
            })
            previous = {
                "receivables": receivables, "inventory": inventory, "cash": cash,
                "non_current": non_current_assets, "liabilities": liabilities,
            }
        return statements

    def _trade_references(self, c: _FirmContext) -> list[dict[str, Any]]:
        rng = c.rng
        result = []
        suppliers: set[str] = set()
        for _ in range(rng.randint(1, 3)):
            supplier = self._company_name(rng)
            if supplier in suppliers:
                continue
            suppliers.add(supplier)
            score = c.health + rng.gauss(0, 0.6)
            if score > -0.3:
                experience, beyond = "prompt", 0
            elif score > -1.2:
                experience, beyond = "slow", rng.randint(5, 30)
            elif score > -2.0:
                experience, beyond = "very_slow", rng.randint(31, 90)
            else:
                experience, beyond = "collection", rng.randint(91, 240)
            credit = round(c.revenue * rng.uniform(0.005, 0.03), -3)
            result.append({
                "supplier": supplier,
                "highest_credit": _money(max(credit, 10_000)),
                "currency": "CNY",
                "terms_days": rng.choice([30, 45, 60, 90]),
                "payment_experience": experience,
                "days_beyond_terms": beyond,
                "comment": "",
                **self._provenance(rng, "agency" if rng.random() < 0.3 else "research",
                                   max_age_days=540),
            })
        return result

    def _bank_relations(self, c: _FirmContext) -> list[dict[str, Any]]:
        rng = c.rng
        count = 1 if c.size == "micro" else rng.randint(1, 3)
        banks: list[str] = []
        while len(banks) < count:
            bank = rng.choices(self._bank_names, cum_weights=self._bank_cum)[0]
            if bank not in banks:
                banks.append(bank)
        result = []
        for bank in banks:
            if bank in {"农村商业银行", "城市商业银行"}:
                bank = f"{c.region.city_short}{bank}"
            line = round(c.revenue * rng.uniform(0.05, 0.25), -5)
            utilisation = _clip(0.45 - 0.2 * c.health + rng.gauss(0, 0.15), 0.0, 1.0)
            loans = round(line * utilisation, -3)
            stress = c.health + rng.gauss(0, 0.5)
            overdue_count, overdue_amount = 0, 0.0
            if stress < -1.3:
                overdue_count = 1 + int(rng.expovariate(0.5))
                overdue_amount = round(max(loans, 100_000) * rng.uniform(0.02, 0.2), -2)
            if stress > -0.2:
                record = "normal"
            elif stress > -1.3:
                record = "occasionally_late"
            elif stress > -2.2:
                record = "frequently_late"
            else:
                record = "defaulted"
            district = c.region.district_zh or ""
            result.append({
                "bank": bank,
                "branch": f"{c.region.city_short}{district.removesuffix('区')}支行",
                "account_number": f"{rng.randrange(6, 10)}{rng.randrange(10**18):018d}",
                "currency": "CNY",
                "credit_line": _money(line),
                "loans_outstanding": _money(loans),
                "overdue_count": overdue_count,
                "overdue_amount": _money(overdue_amount),
                "repayment_record": record,
                "remarks": "",
                **self._provenance(rng, "bank" if rng.random() < 0.5 else "customer",
                                   max_age_days=180),
            })
        return result

    def _poisson(self, rng: random.Random, rate: float) -> int:
        # Knuth's method: rates here are small.
        limit, k, p = math.exp(-rate), 0, 1.0
        while True:
            p *= rng.random()
            if p <= limit:
                return k
            k += 1

    def _public_records(self, c: _FirmContext) -> list[dict[str, Any]]:
        rng = c.rng
        h = c.health
        region = c.region
        court = f"{region.city_zh}{region.district_zh}人民法院"
        court_code = region.district_code[2:6]
        records: list[dict[str, Any]] = []
        earliest = max(c.founded, self.as_of - dt.timedelta(days=5 * 365))
        size_factor = {"micro": 0.6, "small": 0.8, "medium": 1.2, "large": 2.0}[c.size]

        def dated(max_lag: int = 60) -> tuple[dt.date, dt.date]:
            event = self._date_between(rng, earliest, self.as_of)
            return event, min(event + dt.timedelta(days=rng.randrange(1, max_lag)), self.as_of)

        def case_number(event: dt.date, kind: str) -> str:
            return f"({event.year}){region.abbreviation}{court_code}{kind}{rng.randrange(1, 30000)}号"

        for _ in range(self._poisson(rng, 0.35 * size_factor * math.exp(-0.9 * h))):
            event, as_of = dated()
            defendant = rng.random() < _clip(0.5 - 0.2 * h, 0.1, 0.9)
            status = "open" if event > self.as_of - dt.timedelta(days=240) else rng.choice(
                ["closed", "settled", "withdrawn"]
            )
            records.append(self._public(
                "lawsuit", rng.choice(names.LAWSUIT_CAUSES),
                role="defendant" if defendant else "plaintiff",
                amount=_money(round(c.revenue * rng.uniform(0.001, 0.04))), status=status,
                authority=court, case_number=case_number(event, "民初"), event=event,
                as_of=as_of, source="registry",
            ))
        for _ in range(self._poisson(rng, 0.12 * math.exp(-1.4 * h))):
            event, as_of = dated()
            records.append(self._public(
                "enforcement", "被执行人信息", amount=_money(round(c.revenue * rng.uniform(0.002, 0.05))),
                status=rng.choice(["open", "closed"]), authority=court,
                case_number=case_number(event, "执"), event=event, as_of=as_of, source="registry",
            ))
        if h < -1.6 and rng.random() < 0.45:
            event, as_of = dated()
            records.append(self._public(
                "dishonest_debtor", "失信被执行人名单", status="valid", authority=court,
                case_number=case_number(event, "执"), event=event, as_of=as_of,
                source="registry",
            ))
        for _ in range(self._poisson(rng, 0.25 * size_factor)):
            event, as_of = dated()
            kind = rng.choice(["动产抵押登记", "股权出质登记", "不动产抵押登记"])
            records.append(self._public(
                "mortgage_pledge", kind, amount=_money(round(c.revenue * rng.uniform(0.02, 0.2), -4)),
                status=rng.choice(["valid", "valid", "lifted"]),
                authority=f"{region.city_zh}市场监督管理局".replace("市市", "市"),
                event=event, as_of=as_of, source="registry",
            ))
        for _ in range(self._poisson(rng, 0.1 * math.exp(-0.8 * h))):
            event, as_of = dated()
            title, office = rng.choice(names.PENALTY_KINDS)
            records.append(self._public(
                "admin_penalty", title, amount=_money(rng.choice([5000, 10000, 20000, 50000, 100000])),
                status="closed", authority=f"{region.city_zh}{office}",
                case_number=f"{region.city_short}{office[:2]}罚〔{event.year}〕{rng.randrange(1, 999)}号",
                event=event, as_of=as_of, source="registry",
            ))
        if rng.random() < _clip(0.04 * math.exp(-1.2 * h), 0, 0.6):
            event, as_of = dated()
            records.append(self._public(
                "tax_issue", "欠税公告", amount=_money(round(c.revenue * rng.uniform(0.001, 0.01))),
                status=rng.choice(["open", "closed"]),
                authority=f"国家税务总局{region.city_zh}税务局", event=event, as_of=as_of,
                source="registry",
            ))
        for _ in range(self._poisson(rng, 0.25 * size_factor * math.exp(0.5 * h))):
            event, as_of = dated()
            title, office = rng.choice(names.HONOURS)
            records.append(self._public(
                "honour", title, status="valid", authority=f"{region.city_zh}{office}", event=event,
                as_of=as_of, source="registry",
            ))
        if not records and rng.random() < 0.5:
            as_of = self.as_of - dt.timedelta(days=rng.randrange(0, 200))
            records.append(self._public(
                "no_findings", "公开信息查询无异常记录", status="unknown", event=None, as_of=as_of,
                source="research",
            ))
        # Business key (type, case number, title, date) must be unique within the customer.
        unique: dict[tuple, dict[str, Any]] = {}
        for record in records:
            key = (record["kind"], record["case_number"], record["title"],
                   record["event_date"])
            unique.setdefault(key, record)
        return list(unique.values())

    @staticmethod
    def _public(kind: str, title: str, *, event: dt.date | None, as_of: dt.date,
                source: str, role: str = "", amount: Decimal | None = None,
                status: str = "unknown", authority: str = "", case_number: str = "",
                ) -> dict[str, Any]:
        return {
            "kind": kind, "title": title, "role": role, "amount": amount,
            "currency": "CNY", "status": status, "authority": authority,
            "case_number": case_number, "event_date": event, "description": "",
            "source_url": "", "as_of": as_of, "source": source, "source_detail": "",
        }


@dataclass
class _FirmContext:
    """What the credit-file builders need to know about one enterprise."""

    rng: random.Random
    region: _Region
    size: str
    archetype: str
    products: str
    division: str
    founded: dt.date
    health: float
    revenue: float
    legal_form: str
    legal_rep: _Person
    registered: Decimal
    paid_in: Decimal
    currency: str
    head: _GroupHead | None
    name: str
    word: str
