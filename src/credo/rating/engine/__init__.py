"""The rating engine: pure Python (no Django import), fully typed.

Features and financial analysis (``ratios``, ``altman``, ``features``), scorecards as versioned
JSON data (``scorecard``), grade scales and PD mapping (``grades``), credit-limit and terms
recommendation (``limits``), statistical training and validation (``statistical``,
``validation``).
"""
