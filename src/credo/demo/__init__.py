"""Deterministic demo portfolio (customers, users, credit files) for `credo demo` and benchmarks.

Not a Django app: nothing here has models. ``generator.PortfolioGenerator`` builds plain specs
from a seed; ``writer`` stores them through the services (small runs) or in bulk (large runs).
"""
