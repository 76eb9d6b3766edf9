"""The dashboard's figures and tables from the API's gold tables (pure functions, unit-tested)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from producers.sample_feed import QUALITIES
from web.components import FONT

# France Travail's "savoir-être professionnels" and what each means. The enrichment keeps only their
# names; the wording lives with the sample feed, which generates offers carrying them.
SOFT_SKILL_DESCRIPTIONS: dict[str, str] = {name.casefold(): text for name, text in QUALITIES}
# daily_offers column -> series name; "autres" is the rest (sample feed, recruiters' own offers).
SOURCES = {"france_travail_count": "France Travail", "adzuna_count": "Adzuna", "autres": "Autres sources"}
COLORS = {"france_travail_count": "#1f4e8c", "adzuna_count": "#e07b00", "autres": "#7a8699"}


def soft_skill_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """``GET /api/rome/{code}/soft-skills`` as table rows: code, soft skill, its description, how often cited."""
    code = data["rome_code"]
    return [{"code": code, "soft_skill": s["soft_skill"],
             "description": SOFT_SKILL_DESCRIPTIONS.get(str(s["soft_skill"]).casefold(), "—"),
             "offres": int(s["offer_count"]), "part": f"{(s.get('share_of_rome_offers') or 0) * 100:.0f} %"}
            for s in data["soft_skills"]]


def daily_series(rows: list[dict[str, Any]], days: int = 60) -> dict[str, list[Any]]:
    """Per publication day (the last ``days`` that have offers, oldest first): offers per source, 7-day mean."""
    recent = sorted((r for r in rows if r.get("published_date")), key=lambda r: str(r["published_date"]))[-days:]
    out: dict[str, list[Any]] = {"dates": [str(r["published_date"])[:10] for r in recent],
                                 "moyenne_7j": [float(r.get("offers_7d_avg") or 0) for r in recent]}
    for col in ("france_travail_count", "adzuna_count"):
        out[col] = [int(r.get(col) or 0) for r in recent]
    out["autres"] = [max(0, int(r.get("offer_count") or 0) - ft - az)
                     for r, ft, az in zip(recent, out["france_travail_count"], out["adzuna_count"], strict=True)]
    return out


def daily_figure(rows: list[dict[str, Any]], days: int = 60) -> go.Figure:
    """Stacked bars per source and day, and the 7-day mean as a line; sources with no offer are left out."""
    s = daily_series(rows, days)
    traces: list[Any] = [go.Bar(x=s["dates"], y=s[col], name=name, marker_color=COLORS[col])
                         for col, name in SOURCES.items() if any(s[col])]
    traces.append(go.Scatter(x=s["dates"], y=s["moyenne_7j"], name="Moyenne sur 7 jours", mode="lines",
                             line={"color": "#1d2430", "width": 2}))
    fig = go.Figure(traces)
    fig.update_layout(barmode="stack", title={"text": f"Offres publiées par jour ({len(s['dates'])} derniers jours)",
                                              "font": {"size": 15}},
                      height=340, margin={"l": 10, "r": 10, "t": 40, "b": 30}, paper_bgcolor="#ffffff",
                      plot_bgcolor="#ffffff", font={"family": FONT},
                      legend={"orientation": "h", "y": -0.2}, separators=", ")
    # Whole days only (plotly would tick every 12 h over a short range), about ten ticks at most.
    day_ms = 86_400_000
    fig.update_xaxes(type="date", tickformat="%d/%m", automargin=True, dtick=day_ms * max(1, -(-len(s["dates"]) // 10)))
    fig.update_yaxes(tickformat=",d", rangemode="tozero", automargin=True, title_text="offres")
    return fig


def salary_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``salary_by_rome_region`` as table rows (annual euros, whole numbers; missing bounds stay empty)."""

    def euros(value: Any) -> int | None:
        return None if value is None else round(float(value))

    return [{"code": r.get("rome_code"), "metier": r.get("rome_label") or "—", "region": r.get("region"),
             "offres": int(r.get("offers_with_salary") or 0), "median": euros(r.get("median_salary_mid")),
             "min_moyen": euros(r.get("avg_salary_min")), "max_moyen": euros(r.get("avg_salary_max"))}
            for r in rows]
