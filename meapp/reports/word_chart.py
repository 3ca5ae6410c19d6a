"""Native Word charts for the progress report: a DrawingML chart part and its embedded workbook per indicator.

python-pptx writes the chart (pptx.chart.xmlwriter: the c:chartSpace, its series with cached values and
their references into the workbook) and styles it through its chart objects; what it cannot say, a column
chart and a line chart sharing one plot area with a second value axis, is done here on the XML it wrote.
Styling through those objects costs ~3 ms, so each kind of chart is styled once and copied; the workbook
"Edit data" opens is written here as XML in python-pptx's layout. Every label comes from the model
(model.Chart), already translated; two models (fr, en) give bilingual labels.
"""
from __future__ import annotations

import io
import zipfile
from copy import deepcopy
from functools import lru_cache
from xml.sax.saxutils import escape

from lxml import etree
from pptx.chart.axis import ValueAxis
from pptx.chart.chart import Chart as PptxChart
from pptx.chart.data import CategoryChartData
from pptx.chart.xmlwriter import ChartXmlWriter
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_MARKER_STYLE, XL_TICK_MARK
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.oxml import parse_xml
from pptx.oxml.ns import nsdecls, qn
from pptx.util import Pt

from meapp.reports.model import Chart, ChartSeries
from meapp.reports.text import clean

WIDTH_CM, HEIGHT_CM = 17.0, 8.0
# Grey is the target, blue the actual; pale per period (columns), dark to date (lines).
TARGET, ACTUAL = RGBColor(0xB4, 0xBC, 0xC6), RGBColor(0x7F, 0xA8, 0xD1)
TARGET_TO_DATE, ACTUAL_TO_DATE = RGBColor(0x4A, 0x55, 0x62), RGBColor(0x1F, 0x5F, 0x99)
GRID, AXIS = RGBColor(0xE1, 0xE5, 0xEA), RGBColor(0x8C, 0x95, 0xA1)
# Axis ids: the columns' category and value axes; the right-hand value axis and the hidden category axis it crosses.
CAT_ID, VAL_ID, RIGHT_VAL_ID, RIGHT_CAT_ID = "500000001", "500000002", "500000003", "500000004"


def _joined(values, sep: str = " / ") -> str:
    """One label, or the two languages' labels joined when they differ (bilingual report)."""
    return sep.join(dict.fromkeys(clean(v) for v in values))


def chart_parts(charts: list[Chart], index: int, language: str) -> tuple[bytes, bytes, str, str]:
    """The chart part's XML, its embedded workbook, its alternative text and name, for the `index`-th
    indicator; `language` (e.g. fr-FR) is the chart's editing language."""
    first = charts[0].series[index]
    every = [c.series[index] for c in charts]
    per_period = [(_joined(c.target_label for c in charts), first.targets),
                  (_joined(c.actual_label for c in charts), first.actuals)]
    to_date = [(_joined(c.target_to_date_label for c in charts), first.targets_to_date),
               (_joined(c.actual_to_date_label for c in charts), first.actuals_to_date)] if first.to_date_axis else []
    data = CategoryChartData(number_format=first.number_format)
    data.categories = first.periods
    for name, values in per_period + to_date:
        data.add_series(name, values)

    # The styled chart of this kind, with this chart's series (names, categories, cached values and their
    # references to the workbook, as python-pptx writes them) in place of the template's.
    space = deepcopy(_styled(first.to_date_axis))
    written = parse_xml(ChartXmlWriter(XL_CHART_TYPE.COLUMN_CLUSTERED, data).xml.encode("utf-8"))
    fresh = {s.find(qn("c:idx")).get("val"): s for s in written.iter(qn("c:ser"))}
    for ser in space.iter(qn("c:ser")):
        mine = fresh[ser.find(qn("c:idx")).get("val")]
        for tag in ("c:tx", "c:cat", "c:val"):
            ser.replace(ser.find(qn(tag)), mine.find(qn(tag)))
    for size in space.iterfind(f".//{qn('c:marker')}/{qn('c:size')}"):
        size.set("val", "6" if len(first.periods) <= 12 else "4")
    _set_text(space.chart.find(qn("c:title")), list(dict.fromkeys(clean(s.label) for s in every)))  # a line each
    plot_area = space.chart.plotArea
    _set_value_axis(_value_axis(plot_area, VAL_ID), _joined(s.axis_title for s in every),
                    [v for _name, vs in per_period + (to_date if first.to_date_axis == "left" else []) for v in vs],
                    first)
    if first.to_date_axis == "right":
        _set_value_axis(_value_axis(plot_area, RIGHT_VAL_ID), _joined(s.to_date_axis_title for s in every),
                        [v for _name, vs in to_date for v in vs], first)
    space.find(qn("c:lang")).set("val", language)
    for end in space.iter(qn("a:endParaRPr")):
        end.set("lang", language)
    xml = etree.tostring(space, xml_declaration=True, encoding="UTF-8", standalone=True)
    workbook = _workbook(first.periods, per_period + to_date, first.number_format)
    return xml, workbook, _joined(s.alt_text for s in every), clean(first.label)[:200]


@lru_cache(maxsize=4)
def _styled(to_date_axis: str):
    """A chart of one kind (to-date lines on a right-hand axis, on the left one, or none) with placeholder
    figures, styled once through python-pptx's chart objects (slow: ~3 ms); each chart is a copy of it."""
    data = CategoryChartData()
    data.categories = ["-"]
    for _ in range(4 if to_date_axis else 2):
        data.add_series("-", [0])
    space = parse_xml(ChartXmlWriter(XL_CHART_TYPE.COLUMN_CLUSTERED, data).xml.encode("utf-8"))
    plot_area = space.chart.plotArea
    # python-pptx numbers its axes with negative ids, which dml-chart.xsd (xs:unsignedInt) and so Word refuse.
    ids = {plot_area.find(f"{qn('c:catAx')}/{qn('c:axId')}").get("val"): CAT_ID,
           plot_area.find(f"{qn('c:valAx')}/{qn('c:axId')}").get("val"): VAL_ID}
    for element in plot_area.iter(qn("c:axId"), qn("c:crossAx")):
        element.set("val", ids[element.get("val")])
    if to_date_axis:
        _add_lines(space, data, right=to_date_axis == "right")

    chart = PptxChart(space, None)
    chart.font.size = Pt(8)
    chart.has_title = True
    chart.chart_title.text_frame.text = "-"
    chart.chart_title.text_frame.paragraphs[0].font.size = Pt(9)
    chart.chart_title.text_frame.paragraphs[0].font.bold = True
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.BOTTOM
    chart.legend.include_in_layout = False

    bars, *lines = chart.plots
    bars.gap_width, bars.overlap = 60, -10
    for series, colour in zip(bars.series, (TARGET, ACTUAL), strict=True):
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = colour
        series.invert_if_negative = False
    for series, colour, symbol in zip(lines[0].series if lines else (), (TARGET_TO_DATE, ACTUAL_TO_DATE),
                                      (XL_MARKER_STYLE.SQUARE, XL_MARKER_STYLE.CIRCLE), strict=False):
        series.smooth = False
        series.format.line.color.rgb, series.format.line.width = colour, Pt(1.75)
        if colour is TARGET_TO_DATE:
            series.format.line.dash_style = MSO_LINE_DASH_STYLE.DASH
        # Markers on every point: a single period still shows a target and an actual, not an empty plot.
        series.marker.style, series.marker.size = symbol, 6
        series.marker.format.fill.solid()
        series.marker.format.fill.fore_color.rgb = colour
        series.marker.format.line.color.rgb = colour

    categories = chart.category_axis
    categories.major_tick_mark = XL_TICK_MARK.NONE
    categories.format.line.color.rgb = AXIS
    # (not chart.value_axis: with two value axes python-pptx gives the second, as for XY charts)
    left = _value_axis(plot_area, VAL_ID)
    left.has_major_gridlines = True
    left.major_gridlines.format.line.color.rgb = GRID
    for axis in [left] + ([_value_axis(plot_area, RIGHT_VAL_ID)] if to_date_axis == "right" else []):
        axis.has_title = True
        frame = axis.axis_title.text_frame
        frame.text = "-"
        frame.paragraphs[0].font.size, frame.paragraphs[0].font.bold = Pt(8), False
        frame._bodyPr.set("rot", "-5400000")  # read bottom to top, as Word and LibreOffice draw it by default
        frame._bodyPr.set("vert", "horz")
        axis.tick_labels.number_format_is_linked = False
        axis.major_tick_mark = XL_TICK_MARK.NONE
        axis.format.line.fill.background()
    _finish(space)
    return space


def _add_lines(space, data: CategoryChartData, right: bool) -> None:
    """Move the to-date series (the last two) out of the column chart into a line chart drawn over it,
    on a value axis of its own at the right when `right`, else on the columns' axes."""
    plot_area = space.chart.plotArea
    bar = plot_area.find(qn("c:barChart"))
    lines = parse_xml(ChartXmlWriter(XL_CHART_TYPE.LINE_MARKERS, data).xml.encode("utf-8")).chart.plotArea \
        .find(qn("c:lineChart"))
    for ser in bar.findall(qn("c:ser"))[2:]:
        bar.remove(ser)
    for ser in lines.findall(qn("c:ser"))[:2]:
        lines.remove(ser)
    bar_axes = bar.findall(qn("c:axId"))
    for own, shared in zip(lines.findall(qn("c:axId")), bar_axes, strict=True):
        own.set("val", shared.get("val"))
    bar.addnext(lines)
    if not right:
        return
    category_id, value_id = (lines.findall(qn("c:axId")))
    category_id.set("val", RIGHT_CAT_ID)
    value_id.set("val", RIGHT_VAL_ID)
    last_axis = plot_area.findall(qn("c:valAx"))[-1]
    last_axis.addnext(parse_xml(
        f'<c:valAx {nsdecls("c")}><c:axId val="{RIGHT_VAL_ID}"/><c:scaling><c:orientation val="minMax"/>'
        '</c:scaling><c:delete val="0"/><c:axPos val="r"/><c:majorTickMark val="out"/>'
        '<c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>'
        f'<c:crossAx val="{RIGHT_CAT_ID}"/><c:crosses val="max"/><c:crossBetween val="between"/></c:valAx>'))
    # The line chart needs a category axis of its own to pair with its value axis; it is not shown.
    hidden = deepcopy(plot_area.find(qn("c:catAx")))
    hidden.find(qn("c:axId")).set("val", RIGHT_CAT_ID)
    hidden.find(qn("c:delete")).set("val", "1")
    hidden.find(qn("c:crossAx")).set("val", RIGHT_VAL_ID)
    plot_area.findall(qn("c:valAx"))[-1].addnext(hidden)


_SHEET_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_WORKBOOK_PARTS = {
    "[Content_Types].xml":
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>',
    "_rels/.rels":
        f'<Relationships xmlns="{_PKG_REL_NS}"><Relationship Id="rId1" Type="{_REL_NS}/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml":
        f'<workbook {_SHEET_NS} xmlns:r="{_REL_NS}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/>'
        '</sheets></workbook>',
    "xl/_rels/workbook.xml.rels":
        f'<Relationships xmlns="{_PKG_REL_NS}"><Relationship Id="rId1" Type="{_REL_NS}/worksheet" '
        f'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{_REL_NS}/styles" Target="styles.xml"/>'
        '</Relationships>',
}
_STYLES = (
    f'<styleSheet {_SHEET_NS}><numFmts count="1"><numFmt numFmtId="164" formatCode="{{code}}"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill>'
    '<patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _workbook(periods, series: list[tuple[str, tuple]], number_format: str) -> bytes:
    """The workbook "Edit data" opens: periods in column A from row 2, a column per series under its name,
    where python-pptx's references point (its CategoryWorkbookWriter layout). Written as XML strings: through
    XlsxWriter it cost ~1 ms a chart, most of a chart's cost; this ~0.1 ms."""
    def text(ref: str, value: str) -> str:
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'

    rows = ['<row r="1">' + "".join(text(f"{chr(66 + k)}1", name) for k, (name, _v) in enumerate(series)) + "</row>"]
    for r, period in enumerate(periods, start=2):
        cells = [text(f"A{r}", period)]
        cells += [f'<c r="{chr(66 + k)}{r}" s="1"><v>{values[r - 2]!r}</v></c>'
                  for k, (_name, values) in enumerate(series) if values[r - 2] is not None]
        rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    sheet = (f'<worksheet {_SHEET_NS}><cols><col min="1" max="{1 + len(series)}" width="24" customWidth="1"/>'
             f'</cols><sheetData>{"".join(rows)}</sheetData></worksheet>')
    parts = {**_WORKBOOK_PARTS, "xl/styles.xml": _STYLES.format(code=escape(number_format, {'"': "&quot;"})),
             "xl/worksheets/sheet1.xml": sheet}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in parts.items():
            archive.writestr(name, _DECLARATION + xml)
    return out.getvalue()


def _value_axis(plot_area, axis_id: str) -> ValueAxis:
    return ValueAxis(next(a for a in plot_area.valAx_lst if a.find(qn("c:axId")).get("val") == axis_id))


def _set_text(title, lines: list[str]) -> None:
    """A chart or axis title's text: one paragraph per line, each formatted as the template's first."""
    rich = title.find(f"{qn('c:tx')}/{qn('c:rich')}")
    model = rich.find(qn("a:p"))
    for paragraph in rich.findall(qn("a:p")):
        rich.remove(paragraph)
    for line in lines:
        paragraph = deepcopy(model)
        paragraph.find(f".//{qn('a:t')}").text = line
        rich.append(paragraph)


def _set_value_axis(axis: ValueAxis, title: str, values, series: ChartSeries) -> None:
    """Titled with the unit, labelled in the indicator's format, from zero, never two ticks that round alike."""
    _set_text(axis._element.find(qn("c:title")), [title])
    axis.tick_labels.number_format = series.axis_number_format
    axis.tick_labels.number_format_is_linked = False
    drawn = [v for v in values if v is not None]
    if drawn and min(drawn) >= 0:
        axis.minimum_scale = 0
        if series.is_percent and max(drawn) <= 100:
            axis.maximum_scale = 100
    # A small range in whole units (0 to 3 people) would get ticks at 0.5 that the format rounds to
    # "0 1 1 2 2 3": below ten units of the last decimal shown, one tick per unit.
    step = 10 ** -series.axis_decimals
    if drawn and max(abs(v) for v in drawn) < 10 * step:
        axis.major_unit = step


def _finish(space) -> None:
    """Chart-wide settings Word writes and the writer leaves out: language (set per chart), square corners, no
    frame, and the link to the embedded workbook (relationship rId1 of the chart part) "Edit data" opens."""
    space.date1904.addnext(parse_xml(f'<c:lang {nsdecls("c")} val="en-GB"/>'))
    space.find(qn("c:lang")).addnext(parse_xml(f'<c:roundedCorners {nsdecls("c")} val="0"/>'))
    space.chart.addnext(parse_xml(f'<c:spPr {nsdecls("c", "a")}><a:noFill/><a:ln><a:noFill/></a:ln></c:spPr>'))
    space.get_or_add_externalData().rId = "rId1"  # with c:autoUpdate off: the workbook is embedded, not linked


# Each kind of chart is styled when the module is imported, at start-up (~15 ms), not by the first download.
for _kind in ("right", "left", ""):
    _styled(_kind)
