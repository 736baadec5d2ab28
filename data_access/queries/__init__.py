"""Query functions: each takes an Engine and a ``Filters`` value and returns
a tidy, already-aggregated DataFrame (or a small dict of figures)."""
