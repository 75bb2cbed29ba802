"""Hand-built rating histories shared by the back-testing tests (service, page, API)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from credo.core.context import acting_as
from credo.rating.models import Rating

from .conftest import invoice, one_factor_card, pay


def rate_as_of(customer, card, grade, as_of):
    """A rating of ``grade`` as of ``as_of``, made the customer's current one."""
    Rating.objects.filter(customer=customer).update(is_current=False)
    return Rating.objects.create(
        customer=customer, as_of=as_of, score=Decimal("500"), grade=grade, scorecard=card,
        trigger="batch",
    )


def five_customer_history(make_customer, credit_manager, analyst, *, key: str):
    """Five customers rated on 31 Dec 2023, with limits from 1 June 2023.

    c1 AAA  limit 5,000, paid on time; BB from 1 June 2024      -> no default, downgraded
    c2 A    limit 800, 1,000 due 1 Mar 2024 never paid: 90 days
            on 30 May 2024 (a leap year)                        -> default, exposure 1,000
    c3 A    1,000 due 1 Mar 2024 paid 29 May (89 days); AA from
            1 July 2024                                         -> no default, upgraded
    c4 C    limit 500, 700 due 1 Dec 2023 unpaid: 90 days on
            29 Feb 2024                                         -> default, exposure 700
    c5 C    limit 100, 400 due 1 Sep 2023: 122 days at the start -> left out (in default)

    Default rates: AAA 0/1, A 1/2, C 1/1 -> 4 customers, 2 defaults, rising (0, 50, 100 %).
    Migration to 1 Jan 2025: AAA->BB, A->A, A->AA, C->C, C->C: 1 up, 1 down, 3 unchanged.
    Limits: 3 customers (c5 left out), 2 defaults, limits 6,300, exposure 1,700 against
    defaulted limits 1,300 = 1.31, both defaulted over their limit.
    (These figures are without materiality thresholds: the amounts are below 1,000 + 1 %.)
    """
    from credo.decisions.services import credit_limit_set
    from credo.rating import services

    with acting_as(credit_manager, channel="system"):
        card = services.scorecard_version_create(
            definition=one_factor_card(key=key), user=analyst, notes="test"
        )
        c = {i: make_customer() for i in range(1, 6)}
        for i, grade in {1: "AAA", 2: "A", 3: "A", 4: "C", 5: "C"}.items():
            rate_as_of(c[i], card, grade, dt.date(2023, 12, 31))
        rate_as_of(c[1], card, "BB", dt.date(2024, 6, 1))
        rate_as_of(c[3], card, "AA", dt.date(2024, 7, 1))
        pay(c[1], invoice(c[1], "1000", dt.date(2024, 2, 1)), "1000", dt.date(2024, 2, 10))
        invoice(c[2], "1000", dt.date(2024, 3, 1))
        pay(c[3], invoice(c[3], "1000", dt.date(2024, 3, 1)), "1000", dt.date(2024, 5, 29))
        invoice(c[4], "700", dt.date(2023, 12, 1))
        invoice(c[5], "400", dt.date(2023, 9, 1))
        for i, amount in {1: "5000", 2: "800", 4: "500", 5: "100"}.items():
            credit_limit_set(customer=c[i], amount=Decimal(amount), user=credit_manager,
                             valid_from=dt.date(2023, 6, 1))
    return c
