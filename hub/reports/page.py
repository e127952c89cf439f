"""A bulletin as one printable HTML page: everything inline (styles, data, and Apache
ECharts, shipped with the hub), so it opens from a file, by mail or on a closed network.

Each headline figure carries ``data-figure`` with its name, so a reader (or a test) can
find it; the charts are drawn from the JSON in ``#bulletin-data``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from html import escape
from importlib.resources import files

from hub.reports.bulletin import Bulletin, Ranking
from hub.stats import Figures

CHARTS = files("hub.reports") / "static" / "echarts.min.js"
NOT_ON_RECORD = "—"
STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif;
       margin: 24px auto; max-width: 1040px; color: #1f2933; }
h1 { font-size: 26px; margin: 0 0 4px; } h2 { font-size: 18px; border-left: 4px solid #c0392b;
     padding-left: 8px; margin-top: 28px; }
.meta { color: #52606d; font-size: 13px; } .meta li { margin: 2px 0; }
.cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 10px; }
.card { border: 1px solid #d9e2ec; border-radius: 6px; padding: 10px 12px; }
.card .label { font-size: 13px; color: #52606d; }
.card .value { font-size: 24px; font-weight: 600; }
.card .change { font-size: 12px; color: #52606d; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border: 1px solid #d9e2ec; padding: 4px 6px; text-align: left; }
th { background: #f0f4f8; } td.n { text-align: right; }
.chart { height: 280px; } .note { color: #829ab1; font-size: 12px; }
@media print { body { margin: 0; max-width: none; } .chart { break-inside: avoid; }
  h2 { break-after: avoid; } @page { size: A4; margin: 14mm; } }
"""
HEADLINE = (  # figure, label, how it is shown
    ("reported", "上报事件", "{:d} 件"),
    ("closed", "办结归档", "{:d} 件"),
    ("on_time_rate", "按时办结率", "{:.1%}"),
    ("mean_satisfaction", "群众满意度", "{:.2f} 分"),
    ("overdue", "超期未办结", "{:d} 件"),
    ("escalations", "升级", "{:d} 次"),
    ("in_grid_share", "网格内处置率", "{:.1%}"),
    ("verifications", "核查", "{:d} 次"),
)


def render(bulletin: Bulletin) -> str:
    sections = [
        _header(bulletin),
        _headline(bulletin),
        _section("趋势", _chart("trend") if bulletin.trend else ""),
        _section(
            "问题类别 前十",
            _chart("categories") + _ranking(bulletin.categories, "类别"),
        ),
        _section(
            "热点网格 前十",
            _chart("hot-spots") + _ranking(bulletin.hot_spots, "网格"),
        ),
        _section(f"超期未办结 (共 {bulletin.overdue_total} 件，列最久的)", _overdue(bulletin)),
        _section("三查 巡查情况", _patrols(bulletin)),
        _section("网格员积分排名", _workers(bulletin)) if bulletin.workers else "",
    ]
    body = "\n".join(s for s in sections if s)
    return (
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(bulletin.title)} {escape(bulletin.period_label)}</title>"
        f"<style>{STYLE}</style></head><body>{body}"
        f'<script type="application/json" id="bulletin-data">{_data(bulletin)}</script>'
        f"{_scripts()}</body></html>"
    )


def _header(bulletin: Bulletin) -> str:
    sources = "".join(f"<li>{escape(s)}</li>" for s in bulletin.sources)
    return (
        f"<h1>{escape(bulletin.title)}</h1>"
        f'<div class="meta"><div data-figure="period">{escape(bulletin.period_label)}'
        f" ({bulletin.first} 至 {bulletin.last}，北京时间)</div>"
        f"<div>范围: {escape(bulletin.scope_name)} ({bulletin.scope})</div>"
        f"<div>生成于 {bulletin.generated_at:%Y-%m-%d %H:%M:%S %Z}</div>"
        f"<div>数据来源:</div><ul>{sources}</ul></div>"
    )


def _headline(bulletin: Bulletin) -> str:
    cards = [
        _card(name, label, shown, getattr(bulletin.figures, name), getattr(bulletin.before, name))
        for name, label, shown in HEADLINE
    ]
    return _section("核心指标 (与上期相比)", f'<div class="cards">{"".join(cards)}</div>')


def _card(name: str, label: str, shown: str, now: float | None, before: float | None) -> str:
    value = NOT_ON_RECORD if now is None else shown.format(now)
    was = NOT_ON_RECORD if before is None else shown.format(before)
    change = "" if now is None or before is None else f" ({_delta(now, before, shown)})"
    return (
        f'<div class="card"><div class="label">{label}</div>'
        f'<div class="value" data-figure="{name}">{value}</div>'
        f'<div class="change">上期 {was}{change}</div></div>'
    )


def _delta(now: float, before: float, shown: str) -> str:
    if "%" in shown:
        return f"{(now - before) * 100:+.1f} 个百分点"
    if before == 0:
        return "上期为零"
    return f"{(now - before) / before:+.1%}"


def _section(title: str, content: str) -> str:
    return f"<section><h2>{escape(title)}</h2>{content or '<p class=note>本期无记录</p>'}</section>"


def _chart(name: str) -> str:
    return f'<div class="chart" id="chart-{name}"></div>'


def _table(headings: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headings)
    body = "".join("<tr>" + "".join(_cell(value) for value in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: object) -> str:
    if isinstance(value, int | float):
        return f'<td class="n">{value:g}</td>'
    return f"<td>{escape(str(value))}</td>"


def _ranking(rows: Sequence[Ranking], what: str) -> str:
    return _table(
        ("#", what, "上报", "办结", "超期"),
        ((i, r.name, r.reported, r.closed, r.overdue) for i, r in enumerate(rows, 1)),
    )


def _overdue(bulletin: Bulletin) -> str:
    if not bulletin.overdue:
        return ""
    return _table(
        ("事件", "网格", "牵头部门", "处置层级", "时限"),
        (
            (e.title, e.grid, e.department or "", e.level, f"{e.deadline:%Y-%m-%d %H:%M}")
            for e in bulletin.overdue
        ),
    )


def _patrols(bulletin: Bulletin) -> str:
    titles = {"DAILY": "每日一巡", "WEEKLY": "每周一排查", "MONTHLY": "每月一检查"}
    rows = (
        (titles.get(routine, routine), c["DONE"], c["LATE"], c["MISSED"], c["DUE"])
        for routine, c in bulletin.patrols.items()
    )
    return _table(("巡查", "按时", "延迟", "缺失", "未到期"), rows)


def _workers(bulletin: Bulletin) -> str:
    rows = ((w.rank, w.name, "、".join(w.grids), w.points) for w in bulletin.workers)
    return _table(("名次", "网格员", "网格", "积分"), rows)


def _data(bulletin: Bulletin) -> str:
    data = {
        "trend": [_point(f) for f in bulletin.trend],
        "categories": [[r.name, r.reported] for r in bulletin.categories],
        "hot-spots": [[r.name, r.reported] for r in bulletin.hot_spots],
    }
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def _point(figures: Figures) -> list[object]:
    return [figures.start.isoformat(), figures.reported, figures.closed]


DRAW = """
const data = JSON.parse(document.getElementById('bulletin-data').textContent);
function draw(id, option) {
  const node = document.getElementById(id);
  if (!node || typeof echarts === 'undefined') return;
  echarts.init(node, null, {renderer: 'svg'}).setOption(Object.assign({animation: false,
    grid: {left: 48, right: 16, top: 28, bottom: 60}, tooltip: {trigger: 'axis'}}, option));
}
draw('chart-trend', {legend: {data: ['上报', '办结']},
  xAxis: {type: 'category', data: data.trend.map(p => p[0].slice(5))}, yAxis: {type: 'value'},
  series: [{name: '上报', type: 'line', data: data.trend.map(p => p[1])},
           {name: '办结', type: 'line', data: data.trend.map(p => p[2])}]});
for (const name of ['categories', 'hot-spots']) {
  draw('chart-' + name, {xAxis: {type: 'category', axisLabel: {rotate: 30, interval: 0},
      data: data[name].map(p => p[0])}, yAxis: {type: 'value'},
    series: [{name: '上报', type: 'bar', data: data[name].map(p => p[1])}]});
}
document.body.dataset.drawn = typeof echarts === 'undefined' ? 'no-charts' : 'charts';
"""


def _scripts() -> str:
    if not CHARTS.is_file():  # a checkout without scripts/echarts: the tables still print
        note = "<p class=note>图表未显示: 本安装缺少 ECharts (scripts/echarts)。</p>"
        return f"{note}<script>{DRAW}</script>"
    return f"<script>{CHARTS.read_text(encoding='utf-8')}</script><script>{DRAW}</script>"
