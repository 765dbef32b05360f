"""Plotly figures (plain JSON, drawn by web/app.js) and labels for the dashboard."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext_lazy as _

from cadretrain.core.choices import RequirementDimension
from cadretrain.reports.selectors import SERIES, Dashboard

SERIES_LABELS: dict[str, Any] = {
    "ALL": _("Tất cả"),
    "LLCT_CAO_CAP": _("Cao cấp lý luận chính trị"),
    "LLCT_TRUNG_CAP": _("Trung cấp lý luận chính trị"),
    "POLITICAL_THEORY": _("Lý luận chính trị khác"),
    "STATE_MANAGEMENT": _("Quản lý nhà nước"),
    "PROFESSIONAL": _("Chuyên môn, nghiệp vụ"),
    "UNDERGRADUATE": _("Đại học"),
    "POSTGRADUATE": _("Sau đại học"),
    "FOREIGN_LANGUAGE": _("Ngoại ngữ"),
    "IT": _("Tin học"),
    "DIGITAL": _("Chuyển đổi số"),
    "KNOWLEDGE_UPDATE": _("Cập nhật kiến thức"),
    "DEFENCE_SECURITY": _("Quốc phòng - an ninh"),
    "PARTY_BUILDING": _("Nghiệp vụ công tác Đảng"),
    "SOFT_SKILLS": _("Kỹ năng"),
    "ABROAD": _("Đào tạo, bồi dưỡng ở nước ngoài"),
}
DIMENSION_LABELS = dict(RequirementDimension.choices)
FONT = {"family": "DejaVu Sans, Arial, sans-serif", "size": 12}


def _layout(title: str, **extra: Any) -> dict[str, Any]:
    return {"title": {"text": title}, "font": FONT, "margin": {"l": 60, "r": 20, "t": 50, "b": 60},
            "height": 340, "legend": {"orientation": "h"}, **extra}


def as_attr(figure: dict[str, Any]) -> str:
    """The figure as JSON for a data-figure attribute (Django escapes the quotes)."""
    return json.dumps(figure, ensure_ascii=False)


def trend(board: Dashboard) -> dict[str, Any]:
    """Classes (bars) and learners (line) per year for the selected series."""
    key = board.series or "ALL"
    years = board.years
    cells = [board.cells.get((y, key)) for y in years]
    return {
        "data": [
            {"type": "bar", "name": str(_("Số lớp")), "x": years, "y": [c.classes if c else 0 for c in cells],
             "marker": {"color": "#b3261e"}},
            {"type": "scatter", "mode": "lines+markers", "name": str(_("Số học viên")), "x": years,
             "y": [c.learners if c else 0 for c in cells], "yaxis": "y2", "line": {"color": "#1f4e79"}},
        ],
        "layout": _layout(str(_("Lớp và học viên theo năm — {series}")).format(series=SERIES_LABELS[key]),
                          xaxis={"type": "category"}, yaxis={"title": {"text": str(_("Lớp"))}},
                          yaxis2={"overlaying": "y", "side": "right", "rangemode": "tozero",
                                  "title": {"text": str(_("Số học viên"))}, "tickformat": ",d"},
                          # room for the right-hand axis's numbers and title
                          margin={"l": 60, "r": 70, "t": 50, "b": 60}),
    }


def by_series(board: Dashboard) -> dict[str, Any]:
    """Learners per year, one line per kind of training (stacked view of the city's figures)."""
    data = []
    for s in SERIES:
        ys = [board.cells[(y, s)].learners if (y, s) in board.cells else 0 for y in board.years]
        if any(ys):
            data.append({"type": "bar", "name": str(SERIES_LABELS[s]), "x": board.years, "y": ys})
    return {"data": data, "layout": _layout(str(_("Học viên theo loại hình và năm")), barmode="group",
                                             xaxis={"type": "category"}, height=380)}


def compliance_by_unit(units: list[dict[str, Any]]) -> dict[str, Any]:
    names = [u["name"] + (" *" if u.get("own") else "") for u in units]
    pct = [round(100.0 * u["meeting"] / u["people"], 1) if u["people"] else 100.0 for u in units]
    return {
        "data": [{"type": "bar", "orientation": "h", "x": pct, "y": names, "marker": {"color": "#2e7d32"},
                  "hovertemplate": "%{y}: %{x}%<extra></extra>"}],
        "layout": _layout(str(_("Tỷ lệ đạt tiêu chuẩn theo đơn vị (%) — các đơn vị thấp nhất")),
                          xaxis={"range": [0, 100]}, yaxis={"autorange": "reversed"},
                          height=max(260, 26 * len(units) + 100), margin={"l": 240, "r": 20, "t": 50, "b": 40}),
    }


def gap_heatmap(units: list[dict[str, Any]]) -> dict[str, Any]:
    dims = [d for d in DIMENSION_LABELS if any(u["gaps"].get(d) for u in units)]
    z = [[u["gaps"].get(d, 0) for d in dims] for u in units]
    return {
        "data": [{"type": "heatmap", "z": z, "x": [str(DIMENSION_LABELS[d]) for d in dims],
                  "y": [u["name"] for u in units], "colorscale": "Reds",
                  "hovertemplate": "%{y} — %{x}: %{z}<extra></extra>"}],
        "layout": _layout(str(_("Số người chưa đạt theo đơn vị và tiêu chí — các đơn vị nhiều nhất")),
                          yaxis={"autorange": "reversed"},
                          height=max(260, 26 * len(units) + 120), margin={"l": 240, "r": 20, "t": 50, "b": 80}),
    }
