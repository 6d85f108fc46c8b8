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

    @property
    def middle(self):
        return self.x + self.width / 2


@dataclass
class Columns:
    bars: list[Bar]
    width: float
    height: float
    value_room = 16  # above the bars, where their values are written
    label_room = 20  # under the bars, where their labels are written

    @property
    def wide(self):
        return self.width > COLUMNS_WIDTH


COLUMNS_WIDTH = 640


def columns(values, labels, height=220, gap=4, min_step=36):
    """Vertical bars (a trend over months), each with its value above it.

    Many bars make the chart wider, to scroll, rather than too narrow to read.
    """
    step = max(COLUMNS_WIDTH / len(values), min_step) if values else 0
    top = max(values, default=0) or 1
    plot = height - Columns.value_room - Columns.label_room
    bars = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        bar_height = plot * value / top
        y = Columns.value_room + plot - bar_height
        bars.append(Bar(label, value, index * step + gap / 2, y, step - gap, bar_height))
    return Columns(bars, max(step * len(values), COLUMNS_WIDTH), height)


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
    x: int
    y: int
    fill: str
    ink: str  # the number's colour, readable on the fill
    text_x: int  # where the number is written, centred in the square
    text_y: int


@dataclass
class Heatmap:
    cells: list[Cell]
    width: int
    height: int
    size: int  # a cell's square, less the gap between squares
    hour_labels: list[tuple[int, int]]  # (hour, x)
    row_labels: list[tuple[str, int]]  # (weekday, y)


def heatmap(hours, rows, cell=36, label_width=90, header=24, gap=2):
    """A weekday × hour grid of arrivals, each number in its square."""
    top = max((value for _label, values in rows for value in values), default=0) or 1
    size = cell - gap
    cells = []
    for row, (_label, values) in enumerate(rows):
        for column, value in enumerate(values):
            share = value / top
            x, y = label_width + column * cell, header + row * cell
            ink = "#ffffff" if share > 0.45 else "#1d2b4f"
            cells.append(Cell(value, x, y, _shade(share), ink, text_x=x + size // 2, text_y=y + size // 2 + 5))
    return Heatmap(
        cells=cells,
        width=label_width + len(hours) * cell,
        height=header + len(rows) * cell,
        size=size,
        hour_labels=[(hour, label_width + 8 + column * cell) for column, hour in enumerate(hours)],
        row_labels=[(label, header + 24 + row * cell) for row, (label, _values) in enumerate(rows)],
    )


def _shade(share):
    """From almost white to the app's blue."""
    light, dark = (241, 245, 252), (11, 87, 179)
    return "#" + "".join(f"{round(a + (b - a) * share):02x}" for a, b in zip(light, dark, strict=True))


@dataclass
class ShareBar(Bar):
    """A bar whose value is a share, 0 to 1, or None: nothing measured."""

    @property
    def percent(self):
        return None if self.value is None else round(self.value * 100)


@dataclass
class Shares:
    bars: list[ShareBar]
    width: float
    height: float
    target_y: float | None  # the line of the target, when there is one
    bottom: float  # the y of 0 %
    value_room = 16
    label_room = 20


def shares(values, labels, target=None, width=360, height=180, gap=4):
    """Vertical bars of shares on a fixed scale of 0 to 100 %, with the target as a line: a month
    with nothing to measure has no bar (its value is written "—"). Narrow, for a phone's width:
    twelve months are read there without scrolling."""
    step = width / len(values) if values else 0
    plot = height - Shares.value_room - Shares.label_room
    bottom = Shares.value_room + plot
    bars = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        bar_height = plot * (value or 0)
        bars.append(ShareBar(label, value, index * step + gap / 2, bottom - bar_height, step - gap, bar_height))
    target_y = bottom - plot * target / 100 if target is not None else None
    return Shares(bars, width, height, target_y, bottom)
