"""The world map's country outlines, made light enough to send with a page.

pygal_maps_world draws each country as smooth Bézier paths at 2475 units wide: 760 KB for
a picture shown at most about 800 pixels wide. Here each outline becomes a polygon through
the curves' end points, simplified with Douglas-Peucker to a tolerance of well under a
pixel at that width, with whole-unit coordinates written relative to the previous point,
and islands smaller than a few pixels left out: the same look at a small part of the bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

Point = tuple[float, float]

# At most 800 px wide on a desktop: 2475 units are about 3 units per pixel, so a tolerance
# of 0.8 units is under a third of a pixel, and a polygon under 4 units across is barely
# more than a pixel (under its white border).
TOLERANCE = 0.8
MIN_EXTENT = 4.0
_TOKEN = re.compile(r"[MmLlHhVvCcSsQqTtZz]|-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
# How many numbers each command takes per repetition.
_ARITY = {"m": 2, "l": 2, "h": 1, "v": 1, "c": 6, "s": 4, "q": 4, "t": 2, "z": 0}


def polygons(d: str) -> list[list[Point]]:
    """The outlines of a path's subpaths, through each segment's end point (curves too)."""
    shapes: list[list[Point]] = []
    x = y = 0.0
    command = ""
    tokens = _TOKEN.findall(d)
    i = 0
    while i < len(tokens):
        if tokens[i].isalpha():
            command = tokens[i]
            i += 1
            if command in "zZ":
                if shapes and shapes[-1]:
                    x, y = shapes[-1][0]
                continue
        lower = command.lower()
        arity = _ARITY[lower]
        values = [float(v) for v in tokens[i : i + arity]]
        i += arity
        relative = command.islower()
        if lower == "h":
            x = values[0] + (x if relative else 0)
        elif lower == "v":
            y = values[0] + (y if relative else 0)
        else:
            dx, dy = values[-2], values[-1]
            x, y = (x + dx, y + dy) if relative else (dx, dy)
        if lower == "m":
            shapes.append([])
            command = "l" if relative else "L"  # numbers after a moveto are linetos
        shapes[-1].append((x, y))
    return [shape for shape in shapes if len(shape) >= 3]


def simplify(points: Sequence[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker, iteratively (outlines have thousands of points)."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        index, distance = _farthest(points, first, last)
        if distance > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def _farthest(points: Sequence[Point], first: int, last: int) -> tuple[int, float]:
    (x1, y1), (x2, y2) = points[first], points[last]
    dx, dy = x2 - x1, y2 - y1
    length = (dx * dx + dy * dy) ** 0.5
    best, index = -1.0, first
    for k in range(first + 1, last):
        px, py = points[k]
        if length == 0:
            distance = ((px - x1) ** 2 + (py - y1) ** 2) ** 0.5
        else:
            distance = abs(dy * px - dx * py + x2 * y1 - y2 * x1) / length
        if distance > best:
            best, index = distance, k
    return index, best


def light_path(d: str) -> str | None:
    """`d` simplified, as `M x y l dx dy … z` with whole units; None when nothing is left."""
    parts = []
    for shape in polygons(d):
        xs, ys = [p[0] for p in shape], [p[1] for p in shape]
        if max(xs) - min(xs) < MIN_EXTENT and max(ys) - min(ys) < MIN_EXTENT:
            continue  # an island under two pixels across
        # The outline closes on itself: simplify it as two halves so both ends stay put.
        middle = len(shape) // 2
        kept = simplify(shape[: middle + 1], TOLERANCE)[:-1] + simplify(shape[middle:], TOLERANCE)
        rounded = list(_deduplicated((round(x), round(y)) for x, y in kept))
        if len(rounded) >= 3:
            parts.append(_relative(rounded))
    return "".join(parts) or None


def _deduplicated(points: Iterator[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    previous = None
    for point in points:
        if point != previous:
            yield point
        previous = point


def _relative(points: Sequence[tuple[int, int]]) -> str:
    (x, y), rest = points[0], points[1:]
    steps = []
    for px, py in rest:
        steps.append(f"{px - x} {py - y}")
        x, y = px, py
    return f"M{points[0][0]} {points[0][1]}l" + " ".join(steps).replace(" -", "-") + "z"
