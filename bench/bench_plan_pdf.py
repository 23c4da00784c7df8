"""Benchmark: render a typical integration plan PDF (Ahmad-like persona, 12 elements, Dari; or another language).

    .venv/bin/python bench/bench_plan_pdf.py [-n 30] [--lang prs] [--profile]
    .venv/bin/python bench/bench_plan_pdf.py --floor [-n 15]
    .venv/bin/python bench/bench_plan_pdf.py --first [-n 5]

Prints the first render (fonts loaded, CSS parsed), then median and p90 of N renders after a warm-up, and the page count.
--floor renders the plan's own words in simpler shapes (the same fonts and size) beside the plan, interleaved, to show
what WeasyPrint costs per line and per box on this machine. --first times the first plan of a new PDF worker process,
as the app renders it (intake/plans/pdf_worker.py render_pdf, through intake/pdf_worker.py): started by that plan, against started and warmed beforehand.
The results and the machine go in docs/BENCHMARKS.md, "Plan PDF rendering".
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from intake.plan.document import NorwegianGoal, PlanDocument, PlanElement  # noqa: E402


def typical_plan(language: str = "ar") -> PlanDocument:
    """A plan like the personas': 12 elements, career guidance, free text in Norwegian."""
    start = dt.date(2027, 1, 4)
    e = PlanElement
    elements = (
        e("NOR-TRAINING", "", "Voksenopplæringen i Drammen", start, dt.date(2028, 12, 22), "ongoing"),
        e("SOCIAL-STUDIES", "", "Voksenopplæringen i Drammen", start, dt.date(2027, 6, 18), "planned",
          "Undervisning på dari."),
        e("LIFE-SKILLS", "", "Drammen kommune, introduksjonsprogrammet", dt.date(2027, 2, 1), dt.date(2027, 4, 30)),
        e("PARENTING", "", "Drammen kommune, familiesenteret", dt.date(2027, 3, 1), dt.date(2027, 5, 31)),
        e("CAREER-GUIDANCE", "", "Karrieresenteret i Buskerud", dt.date(2026, 11, 15), dt.date(2027, 1, 15),
          "completed"),
        e("PRIOR-LEARNING", "", "Buskerud fylkeskommune", dt.date(2027, 3, 1), dt.date(2027, 9, 30), "planned",
          "Elektrikerfaget. Avtale med fagopplæringskontoret."),
        e("AUTHORISATION", "", "DSB", dt.date(2027, 10, 1), None, "planned"),
        e("WORK-PRACTICE", "", "NAV Drammen", dt.date(2027, 9, 1), dt.date(2028, 2, 29), "planned",
          "Praksisplass hos et elektrofirma i Drammen."),
        e("CHILDCARE", "", "Drammen kommune, barnehagekontoret", dt.date(2026, 12, 1), dt.date(2027, 1, 31),
          "ongoing"),
        e("DRIVING-LICENCE", "", "Deltakeren", dt.date(2027, 4, 1), dt.date(2027, 8, 31), "planned",
          month_precision=True),
        e("DIGITAL-SKILLS", "", "Voksenopplæringen i Drammen", dt.date(2027, 1, 11), dt.date(2027, 3, 26)),
        e(None, "Svømmekurs for voksne", "Drammensbadet", dt.date(2027, 5, 3), dt.date(2027, 6, 14), "planned"),
    )
    return PlanDocument(
        participant_name="Ahmad Rahimi",
        birth_date=dt.date(1997, 5, 5),
        duf_number="202402345678",
        municipality_name="Drammen kommune",
        caseworker_name="Kari Nordmann",
        caseworker_phone="32 04 00 00",
        caseworker_email="kari.nordmann@drammen.kommune.no",
        plan_date=dt.date(2026, 11, 20),
        version=2,
        ruleset_version="2021-01-01",
        end_goal="work",
        norwegian_goal=NorwegianGoal("B1", "B1", "B1", "B1"),
        long_term_goal="Jobbe som elektriker i Drammen og få fagbrev.",
        duration_months=24,
        start_date=start,
        end_date=dt.date(2028, 12, 22),
        norwegian_hours=550,
        elements=elements,
        language=language,
        career_guidance_summary=("Ahmad har ti års erfaring som elektriker fra Afghanistan. Han er motivert og vil "
                                 "raskt ut i arbeid."),
        career_guidance_recommendation=("Realkompetansevurdering i elektrikerfaget, deretter praksis og "
                                        "fagbrev som praksiskandidat."),
    )


def _boxes(document) -> tuple[int, int]:
    """(line boxes, all boxes) of a rendered WeasyPrint document."""
    lines = total = 0
    for page in document.pages:
        for box in page._page_box.descendants():
            total += 1
            lines += type(box).__name__ == "LineBox"
    return lines, total


def floor(doc: PlanDocument, n: int) -> None:
    """The plan against its own text as plain paragraphs: full width, and in two half-width columns."""
    from html.parser import HTMLParser

    from weasyprint import CSS, HTML

    from intake.plan import render

    html = render.render_plan_html(doc, for_print=True)

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.parts: list[str] = []

        def handle_data(self, data: str) -> None:
            if data.strip():
                self.parts.append(" ".join(data.split()))

    text = Text()
    text.feed(html)
    renderer = render._get_renderer()
    fonts = render.font_face_css(lambda f: f.path.as_uri(), "woff")
    plain = CSS(string=fonts + "@page { size: A4; margin: 14mm } html { font-family: 'Plan Sans', 'Plan Arabic', "
                "'Plan Ethiopic'; font-size: 9.5pt; line-height: 1.3 } p { margin: 0 0 1.2mm 0 } "
                ".two { columns: 2; column-gap: 6mm }", font_config=renderer.font_config)
    paragraphs = "".join(f"<p>{p}</p>" for p in text.parts)
    variants = {
        "the plan": (html, renderer.css),
        "its words as one paragraph": (f"<p>{' '.join(text.parts)}</p>", plain),
        "its words as paragraphs": (paragraphs, plain),
        "as paragraphs, two columns": (f"<div class=two>{paragraphs}</div>", plain),
    }
    times: dict[str, list[float]] = {name: [] for name in variants}
    shape = {}
    for i in range(n + 2):
        for name, (markup, css) in variants.items():
            t0 = time.perf_counter()
            document = HTML(string=markup, base_url=str(render.TEMPLATE_DIR)).render(
                stylesheets=[css], font_config=renderer.font_config, pdf_variant="pdf/ua-1")
            document.write_pdf(pdf_variant="pdf/ua-1")
            if i >= 2:  # warm-up
                times[name].append((time.perf_counter() - t0) * 1000)
            shape[name] = (len(document.pages), *_boxes(document))
    print(f"{len(text.parts)} text runs, {sum(len(p.split()) for p in text.parts)} words; n={n}, interleaved")
    for name, values in times.items():
        pages, lines, total = shape[name]
        median = statistics.median(values)
        print(f"{name:28s} {pages} pages {lines:4d} lines {total:5d} boxes  median {median:5.0f} ms  "
              f"{median / lines:4.2f} ms per line")


def first_plan(doc: PlanDocument, rounds: int) -> None:
    """What the first "Fastsett plan" after a server start waits for its PDF."""
    from intake import pdf_worker, plans

    cold, warm = [], []
    for _ in range(rounds):
        pdf_worker._pool = None  # a worker started by the plan itself
        t0 = time.perf_counter()
        plans.render_pdf(doc)
        cold.append((time.perf_counter() - t0) * 1000)
        pdf_worker._pool.shutdown()
        pdf_worker._pool = None  # a worker started at start-up, as the server does
        pdf_worker.warm()
        pdf_worker._pool.submit(int).result()  # it has warmed itself: its initializer runs before any task
        t0 = time.perf_counter()
        plans.render_pdf(doc)
        warm.append((time.perf_counter() - t0) * 1000)
        pdf_worker._pool.shutdown()
    print(f"first plan of a new PDF worker, n={rounds}: started by the plan median {statistics.median(cold):.0f} ms; "
          f"started and warmed at start-up median {statistics.median(warm):.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=30, help="timed renders (default 30)")
    parser.add_argument("--lang", default="ar", help="participant language (default ar)")
    parser.add_argument("--profile", action="store_true", help="cProfile the timed renders; print the top 25")
    parser.add_argument("--floor", action="store_true", help="the plan against its own words in simpler shapes")
    parser.add_argument("--first", action="store_true", help="the first plan of a new PDF worker, cold and warmed")
    args = parser.parse_args()
    if args.floor:
        floor(typical_plan(args.lang), args.n)
        return
    if args.first:
        first_plan(typical_plan(args.lang), args.n)
        return

    t0 = time.perf_counter()
    import weasyprint

    from intake.plan.render import render_plan_pdf
    t_import = time.perf_counter() - t0

    doc = typical_plan(args.lang)
    t0 = time.perf_counter()
    pdf = render_plan_pdf(doc)
    t_first = time.perf_counter() - t0
    for _ in range(3):  # warm-up
        render_plan_pdf(doc)

    profiler = None
    if args.profile:
        import cProfile
        profiler = cProfile.Profile()
        profiler.enable()
    times, cpu = [], []
    for _ in range(args.n):
        t0, c0 = time.perf_counter(), time.process_time()
        render_plan_pdf(doc)
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    if profiler:
        profiler.disable()

    from pypdf import PdfReader
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    times.sort()
    p90 = times[min(len(times) - 1, int(round(0.9 * len(times))) - 1)]
    print(f"python {platform.python_version()}, weasyprint {weasyprint.__version__}, language {args.lang}, "
          f"{len(doc.elements)} elements, {pages} pages, {len(pdf) // 1024} KiB")
    print(f"import {t_import * 1000:.0f} ms; first render {t_first * 1000:.0f} ms")
    print(f"n={args.n}: median {statistics.median(times):.0f} ms, p90 {p90:.0f} ms, "
          f"min {times[0]:.0f} ms, max {times[-1]:.0f} ms; CPU time median {statistics.median(cpu):.0f} ms")
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else ["?"]
    print(f"load average during the run: {' '.join(load)}")
    if profiler:
        import pstats
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
