"""Charts drawn on the server as SVG: nothing to load, readable without JavaScript.

Each function returns the shapes of a chart for templates/staff/charts/; the page
gives the same numbers as a table for screen readers.
"""

from dataclasses import dataclass


@dataclass
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


def columns(values, labels, width=640, height=220, gap=4):
    """Vertical bars (a trend over months): (bars, chart height)."""
    if not values:
        return [], height
    top = max(values) or 1
    step = width / len(values)
    plot = height - 20  # room for the labels under the bars
    bars = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        bar_height = plot * value / top
        bars.append(Bar(label, value, index * step + gap / 2, plot - bar_height, step - gap, bar_height))
    return bars, height


def horizontal_bars(rows, width=640, bar_height=22, gap=6, label_width=230):
    """Horizontal bars (demands per partner): (bars, chart height)."""
    top = max((value for _label, value in rows), default=0) or 1
    room = width - label_width - 60  # the value is written after the bar
    bars = [
        Bar(label, value, label_width, index * (bar_height + gap), room * value / top, bar_height)
        for index, (label, value) in enumerate(rows)
    ]
    return bars, len(rows) * (bar_height + gap)


@dataclass
class Cell:
    value: int
    x: float
    y: float
    fill: str
    ink: str  # the number's colour, readable on the fill


def heatmap(hours, rows, cell=36, label_width=90, header=24):
    """A weekday × hour grid of arrivals: (cells, width, height)."""
    top = max((value for _label, values in rows for value in values), default=0) or 1
    cells = []
    for row, (_label, values) in enumerate(rows):
        for column, value in enumerate(values):
            share = value / top
            cells.append(
                Cell(
                    value,
                    label_width + column * cell,
                    header + row * cell,
                    _shade(share),
                    "#ffffff" if share > 0.45 else "#1d2b4f",
                )
            )
    return cells, label_width + len(hours) * cell, header + len(rows) * cell


def _shade(share):
    """From almost white to the app's blue."""
    light, dark = (241, 245, 252), (11, 87, 179)
    return "#" + "".join(f"{round(a + (b - a) * share):02x}" for a, b in zip(light, dark, strict=True))
