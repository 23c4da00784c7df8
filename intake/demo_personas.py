"""The three example participants of the domain's personas.md, as answers in the JSON form (demo data and tests).

Every question shown for the persona is answered (Yonas has no work experience, so no `background.work`);
where the persona says nothing, the answer is a plain, neutral one. National ids are synthetic (month + 80,
Skatteetaten Tenor) with valid check digits. Use `copy.deepcopy` before changing one.
"""

from __future__ import annotations

import datetime as dt

MAPPING_DATE = dt.date(2026, 11, 1)

AMAL = {
    # participant
    "participant.name": "Amal Hassan",
    "participant.has_national_id": True,
    "participant.national_id": "14839212365",  # 14.03.1992, month + 80
    "participant.duf_number": "202504718263",
    "participant.birth_date": "1992-03-14",
    "participant.residence_basis": "refugee",
    "participant.permit_date": "2026-06-02",
    "participant.permit_kind": "temporary",
    "participant.permit_expiry": "2029-06-01",
    "participant.settlement_date": "2026-09-15",
    "participant.settled_by_agreement": True,
    "participant.municipality": "3301",
    "participant.languages": [{"language": "ar", "level": "native"}, {"language": "en", "level": "good"}],
    "participant.interpreter_needed": True,
    "participant.interpreter_language": "ar",
    "participant.interpreter_used": "qualified",
    "participant.interpreter_qualification": "authorised",
    "participant.prior_mapping": "imdinett",
    "participant.prior_mapping_notes": ("Kartlagt i mottak og registrert i IMDinett. "
                                        "Sjekk opplysningene om utdanning og arbeid."),
    # goals
    "goals.short_term": "Lære norsk og få sykepleierutdanningen godkjent.",
    "goals.long_term": "Arbeide som sykepleier i Norge.",
    "goals.interests": "Helse og omsorg; vil bruke sykepleiefaget og jobbe med mennesker.",
    "goals.target_occupations": [{"occupation": "Sykepleier"}],
    "goals.end_goal_wish": "recognition",
    # life
    "life.health": "no_known_issues",
    "life.economy": "stable",
    "life.children_under_18": 2,
    "life.children_under_6": 1,
    "life.childcare_needed": True,
    "life.expecting_child": False,
    "life.network": "some",
    "life.other_care_duties": False,
    "life.adaptation_needed": False,
    "life.immigration_process": "none_pending",
    # background
    "background.years_of_schooling": 16,
    "background.literacy": "functional",
    "background.latin_alphabet": True,
    "background.education": [
        {"level": "bachelor", "field": "Sykepleie", "country": "SY", "completed": True, "end_year": 2014,
         "documentation": "original"},
    ],
    "background.work": [{"occupation": "Sykepleier", "country": "SY", "years": 8, "documentation": "none"}],
    "background.driving_licence": "none",
    "background.other_competence": "Kurs i førstehjelp og smittevern.",
    # recognition
    "recognition.wants_to_use_education": True,
    "recognition.regulated_profession": "nurse",
    "recognition.status": "not_applied",
    "recognition.documents": "all",
    "recognition.prior_learning_assessment_wanted": False,
    # norwegian
    "norwegian.listening": "A2",
    "norwegian.reading": "A2",
    "norwegian.writing": "A1",
    "norwegian.oral": "A2",
    "norwegian.documented": "not_documented",
    "norwegian.training_status": "ongoing",
    "norwegian.social_studies_completed": False,
    # digital
    "digital.devices": ["smartphone", "computer"],
    "digital.skill_level": "independent",
    "digital.electronic_id": "none",
    "digital.uses_public_services": False,
    # local
    "local.partners": ["nav", "adult_education", "career_centre", "health_services"],
    "local.labour_market": "Stor etterspørsel etter sykepleiere i kommunen og i regionen.",
    "local.employers": "Drammen kommune, helse- og omsorgstjenestene; Vestre Viken HF.",
    "local.guidance_available": ["career_centre", "karriereveiledning_no"],
    # assessment
    "assessment.summary": ("Sykepleier med bachelorgrad fra Syria og åtte års erfaring. Trenger godkjenning, "
                           "autorisasjon og norsk på B2-nivå."),
    "assessment.career_guidance_needed": True,
    "assessment.proposed_end_goal": "work",
    "assessment.proposed_duration_months": 12,
}

YONAS = {
    # participant
    "participant.name": "Yonas Tesfamariam",
    "participant.has_national_id": True,
    "participant.national_id": "20810561387",  # 20.01.2005, month + 80
    "participant.duf_number": "202511093347",
    "participant.birth_date": "2005-01-20",
    "participant.residence_basis": "refugee",
    "participant.permit_date": "2026-07-01",
    "participant.permit_kind": "temporary",
    "participant.permit_expiry": "2029-06-30",
    "participant.settlement_date": "2026-08-20",
    "participant.settled_by_agreement": True,
    "participant.municipality": "5001",
    "participant.languages": [{"language": "ti", "level": "native"}],
    "participant.interpreter_needed": True,
    "participant.interpreter_language": "ti",
    "participant.interpreter_used": "qualified",
    "participant.interpreter_qualification": "educated",
    "participant.prior_mapping": "none",
    # goals
    "goals.short_term": "Lære å lese og skrive norsk.",
    "goals.long_term": "Fullføre videregående skole og få et fagbrev.",
    "goals.interests": "Biler og motorer; liker å jobbe med hendene og vil ha et fagbrev.",
    "goals.target_occupations": [{"occupation": "Bilmekaniker"}],
    "goals.end_goal_wish": "upper_secondary",
    # life
    "life.health": "no_known_issues",
    "life.economy": "stable",
    "life.children_under_18": 0,
    "life.expecting_child": False,
    "life.network": "some",
    "life.other_care_duties": False,
    "life.adaptation_needed": False,
    "life.immigration_process": "none_pending",
    # background
    "background.years_of_schooling": 5,
    "background.literacy": "basic",
    "background.latin_alphabet": False,
    "background.education": [
        {"level": "primary", "field": "Grunnskole", "country": "ER", "completed": True, "end_year": 2017,
         "documentation": "none"},
        {"level": "lower_secondary", "field": "Ungdomsskole", "country": "ER", "completed": False,
         "end_year": 2018, "documentation": "none"},
    ],
    # no work experience: background.work is left unanswered
    "background.driving_licence": "none",
    "background.other_competence": "Har hjulpet til i onkelens bilverksted.",
    # recognition: only the one question shown without tertiary/vocational education or work
    "recognition.prior_learning_assessment_wanted": False,
    # norwegian
    "norwegian.listening": "none",
    "norwegian.reading": "none",
    "norwegian.writing": "none",
    "norwegian.oral": "none",
    "norwegian.documented": "not_documented",
    "norwegian.training_status": "not_started",
    "norwegian.social_studies_completed": False,
    # digital
    "digital.devices": ["smartphone"],
    "digital.skill_level": "basic",
    "digital.electronic_id": "none",
    "digital.uses_public_services": False,
    # local
    "local.partners": ["adult_education", "county", "career_centre"],
    "local.labour_market": "Behov for lærlinger i bilfag og bygg- og anleggsfag i regionen.",
    "local.employers": "Bilverksteder i Trondheim som tar inn lærlinger.",
    "local.guidance_available": ["career_centre", "adult_education_counsellor"],
    # assessment
    "assessment.summary": ("Ung deltaker med fem års skolegang. Trenger alfabetisering og grunnleggende norsk "
                           "før videregående opplæring."),
    "assessment.career_guidance_needed": True,
    "assessment.proposed_end_goal": "upper_secondary",
    "assessment.proposed_duration_months": 36,
}

AHMAD = {
    # participant
    "participant.name": "Ahmad Rahimi",
    "participant.has_national_id": True,
    "participant.national_id": "05859723588",  # 05.05.1997, month + 80
    "participant.duf_number": "202409552816",
    "participant.birth_date": "1997-05-05",
    "participant.residence_basis": "resettlement_refugee",
    "participant.permit_date": "2026-04-10",
    "participant.permit_kind": "temporary",
    "participant.permit_expiry": "2029-04-09",
    "participant.settlement_date": "2026-10-01",
    "participant.settled_by_agreement": True,
    "participant.municipality": "1103",
    "participant.languages": [{"language": "prs", "level": "native"}],
    "participant.interpreter_needed": True,
    "participant.interpreter_language": "prs",
    "participant.interpreter_used": "qualified",
    "participant.interpreter_qualification": "educated",
    "participant.prior_mapping": "imdinett",
    "participant.prior_mapping_notes": ("Kartlagt av IMDi før uttak som overføringsflyktning. "
                                        "Arbeidserfaringen er ikke dokumentert."),
    # goals
    "goals.short_term": "Lære norsk og komme i jobb.",
    "goals.long_term": "Arbeide som elektriker i Norge.",
    "goals.interests": "Elektrofag og solenergi; vil raskt i arbeid for å forsørge familien.",
    "goals.target_occupations": [{"occupation": "Elektriker"}],
    "goals.end_goal_wish": "work",
    # life
    "life.health": "no_known_issues",
    "life.economy": "stable",
    "life.children_under_18": 3,
    "life.children_under_6": 1,
    "life.childcare_needed": True,
    "life.expecting_child": False,
    "life.network": "some",
    "life.other_care_duties": False,
    "life.adaptation_needed": False,
    "life.immigration_process": "none_pending",
    # background
    "background.years_of_schooling": 9,
    "background.literacy": "functional",
    "background.latin_alphabet": True,
    "background.education": [
        {"level": "lower_secondary", "field": "Ungdomsskole", "country": "AF", "completed": True, "end_year": 2012,
         "documentation": "none"},
    ],
    "background.work": [{"occupation": "Elektriker", "country": "AF", "years": 10, "skilled_trade": True,
                          "documentation": "none"}],
    "background.driving_licence": "foreign_other",
    "background.other_competence": "Erfaring med solcelleanlegg og aggregater.",
    # recognition: no tertiary or vocational education, so only the profession (shown by the work entry)
    "recognition.regulated_profession": "electrician",
    "recognition.prior_learning_assessment_wanted": False,
    # norwegian
    "norwegian.listening": "A1",
    "norwegian.reading": "A1",
    "norwegian.writing": "A1",
    "norwegian.oral": "A1",
    "norwegian.documented": "not_documented",
    "norwegian.training_status": "not_started",
    "norwegian.social_studies_completed": False,
    # digital
    "digital.devices": ["smartphone"],
    "digital.skill_level": "basic",
    "digital.electronic_id": "none",
    "digital.uses_public_services": False,
    # local
    "local.partners": ["nav", "adult_education", "county", "career_centre", "employers"],
    "local.labour_market": "Mangel på elektrikere og montører i regionen.",
    "local.employers": "Elektroinstallatører i Stavanger-området.",
    "local.guidance_available": ["career_centre", "nav"],
    # assessment
    "assessment.summary": ("Erfaren elektriker uten dokumentasjon. Realkompetansevurdering og autorisasjon fra DSB "
                           "er veien til arbeid."),
    "assessment.career_guidance_needed": True,
    "assessment.proposed_end_goal": "work",
    "assessment.proposed_duration_months": 24,
}

PERSONAS = {"amal": AMAL, "yonas": YONAS, "ahmad": AHMAD}
