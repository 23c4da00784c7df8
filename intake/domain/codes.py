"""The code lists the domain compares in and checks against: one place, read by the programme, the derived values and
the questionnaire's derived names (it imports nothing, so any of them may import it)."""

from __future__ import annotations

# The orders the app compares in.
CEFR_LEVELS = ("none", "A1", "A2", "B1", "B2", "C1")
EDUCATION_LEVELS = ("primary", "lower_secondary", "upper_secondary_general", "upper_secondary_vocational",
                    "tertiary_vocational", "bachelor", "master", "doctorate")
SKILLS = ("listening", "reading", "writing", "oral")

# End goals of integreringsloven §§ 13–14 (assessment.proposed_end_goal's codes).
END_GOALS = ("work", "upper_secondary", "higher_education_qualification", "primary_education")
# goals.end_goal_wish's codes: the participant's own wish, which is not always an end goal of the law.
END_GOAL_WISHES = ("work", "upper_secondary", "higher_education", "recognition", "primary_education", "undecided")

# participant.residence_basis's codes (questionnaire.md); `other` is never in the target group.
RESIDENCE_BASES = ("refugee", "resettlement_refugee", "humanitarian", "family_reunification", "collective_protection",
                   "limited_identity_family", "independent_after_abuse", "other")

# What "upper secondary education" means in a rule (programme.yaml's `upper_secondary_means`).
UPPER_SECONDARY_NOTIONS = ("upper_secondary_level", "general_university_admission")

# The content the law requires in a programme (programme.yaml's `content.required`).
REQUIRED_CONTENT = ("norwegian", "social_studies", "life_skills", "parenting", "work_or_education_oriented")

# The unit a minimum of work-oriented content is counted in.
WORK_MINIMUM_UNITS = ("hours_per_week",)
