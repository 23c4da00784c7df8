"""The personas of the domain spec, for tests: the single copy lives in `intake/demo_personas.py` (demo data too)."""

from intake.demo_personas import AHMAD, AMAL, MAPPING_DATE, PERSONAS, YONAS  # noqa: F401
