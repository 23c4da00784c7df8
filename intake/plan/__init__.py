"""The printed integration plan (integreringsplan): what it holds (`document`), its fixed texts per language (`texts`),
and its HTML and PDF renderings (`render`, imported on use: it loads WeasyPrint)."""

from .document import ELEMENT_STATUSES, NorwegianGoal, PlanDocument, PlanElement, Problem
from .texts import PLAN_LANGUAGES, PlanTexts, PlanTextsError, plan_texts

__all__ = ["ELEMENT_STATUSES", "PLAN_LANGUAGES", "NorwegianGoal", "PlanDocument", "PlanElement", "PlanTexts",
           "PlanTextsError", "Problem", "plan_texts"]
