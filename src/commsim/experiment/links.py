"""Linked parameters and tables of points: designs beyond independent axes, as data.

Some parameters cannot vary on their own: the three role shares must sum to one, so sweeping
``capacity_builder_share`` alone makes every point invalid. An experiment's ``[links]`` says how
the parameters it does not sweep follow the ones it does, never as an expression to evaluate:

    [links.role_shares]               # the shares not swept absorb the change
    sum_to_one = ["practitioner_share", "researcher_share", "capacity_builder_share"]
    remainder = "practitioner_share"  # optional: this one takes 1 - the others; without it,
                                      # the shares not swept scale in proportion to the base's
    [links.fast]                      # a parameter tied to another's value
    parameter = "fast_socialisation_rate"
    same_as = "socialisation_rate"
    scale = 2.0                       # optional (default 1)

A derived (linked) value is part of each run's config but not of its id: it is determined by
the swept values and the links, which are part of the sweep's basis, so changing a link makes
``--resume`` refuse rather than mix runs made under two rules.

A table design (``[design] kind = "table"``, ``table = "points.csv"``) runs the rows of a CSV
file as its points: its header names the parameters, each row is a point.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError, model_validator

from commsim.config import ConfigError, Real, StrictModel

# a derived value is rounded so that shares that sum to one do so to the last printed digit
DIGITS = 12


class SumToOne(StrictModel):
    """Shares that must sum to one: the ones not swept follow the ones that are."""

    sum_to_one: tuple[str, ...] = Field(min_length=2)
    remainder: str | None = None

    @model_validator(mode="after")
    def _members(self) -> SumToOne:
        if len(set(self.sum_to_one)) < len(self.sum_to_one):
            raise ValueError("a parameter is listed twice in sum_to_one")
        if self.remainder is not None and self.remainder not in self.sum_to_one:
            raise ValueError(f"remainder '{self.remainder}' is not one of sum_to_one")
        return self

    @property
    def names(self) -> tuple[str, ...]:
        return self.sum_to_one


class Tie(StrictModel):
    """A parameter that takes another's value, times ``scale``."""

    parameter: str
    same_as: str
    scale: Annotated[Real, Field(gt=0)] = 1.0

    @model_validator(mode="after")
    def _distinct(self) -> Tie:
        if self.parameter == self.same_as:
            raise ValueError(f"'{self.parameter}' is tied to itself")
        return self

    @property
    def names(self) -> tuple[str, ...]:
        return (self.parameter, self.same_as)


Link = SumToOne | Tie


def parse_link(raw: Any) -> Link:
    """A table with ``sum_to_one`` is a sum-to-one link, one with ``same_as`` a tie."""
    if not isinstance(raw, dict):
        raise ValueError("expected a table: {sum_to_one = [...]} or {parameter, same_as}")
    if "sum_to_one" in raw:
        return SumToOne(**raw)
    if "same_as" in raw or "parameter" in raw:
        return Tie(**raw)
    raise ValueError("expected sum_to_one = [...] (shares) or parameter and same_as (a tie)")


def _derived_by(name: str, link: Link, swept: set[str]) -> tuple[str, ...]:
    if isinstance(link, Tie):
        return (link.parameter,)
    return tuple(n for n in link.sum_to_one if n not in swept)


def check_links(
    links: dict[str, Link],
    swept: list[str],
    overrides: dict[str, Any],
    fields: set[str],
    source: str,
) -> None:
    """Refuse links that cannot work, before any point is built: one line naming the link."""
    derived: dict[str, str] = {}
    for name, link in links.items():
        where = f"{source}: field 'links.{name}'"
        for parameter in link.names:
            if parameter not in fields:
                raise ConfigError(f"{where}: '{parameter}' is not a model parameter")
        if isinstance(link, SumToOne):
            if link.remainder in swept:
                raise ConfigError(
                    f"{where}: remainder '{link.remainder}' is swept; the remainder is the "
                    "share computed from the others"
                )
            if link.remainder in overrides:
                raise ConfigError(
                    f"{where}: remainder '{link.remainder}' is fixed in [overrides]; the "
                    "remainder is computed from the others"
                )
            if all(n in swept for n in link.sum_to_one):
                raise ConfigError(
                    f"{where}: every share is swept, so none can absorb the change; leave "
                    "one out of [parameters]"
                )
        else:
            if link.parameter in swept or link.parameter in overrides:
                kind = "swept" if link.parameter in swept else "fixed in [overrides]"
                raise ConfigError(
                    f"{where}: '{link.parameter}' is {kind}; a tied parameter takes "
                    f"'{link.same_as}'s value"
                )
        for parameter in _derived_by(name, link, set(swept)):
            if parameter in derived:
                raise ConfigError(
                    f"{where}: '{parameter}' is also set by link '{derived[parameter]}'; a "
                    "parameter follows one link"
                )
            derived[parameter] = name
    for name, link in links.items():
        if isinstance(link, Tie) and isinstance(links.get(derived.get(link.same_as, "")), Tie):
            raise ConfigError(
                f"{source}: field 'links.{name}': '{link.same_as}' is itself tied by link "
                f"'{derived[link.same_as]}'; tie to the parameter it follows"
            )


def _shares(link: SumToOne, values: dict[str, Any]) -> dict[str, float] | str:
    """The shares not swept, or the name of one that would go negative."""
    swept = [n for n in link.sum_to_one if n in values["swept"]]
    given = {n: float(values["all"][n]) for n in link.sum_to_one}
    left = 1.0 - sum(given[n] for n in swept)
    if link.remainder is not None:
        fixed = [n for n in link.sum_to_one if n not in swept and n != link.remainder]
        out = {n: given[n] for n in fixed}
        out[link.remainder] = left - sum(given[n] for n in fixed)
    else:
        free = [n for n in link.sum_to_one if n not in swept]
        base = sum(given[n] for n in free)
        if base <= 0:
            out = {n: (left if i == 0 else 0.0) for i, n in enumerate(free)}
        else:
            out = {n: given[n] * left / base for n in free}
    for name, value in out.items():
        if value < -1e-9:
            return name
    return {n: round(max(v, 0.0), DIGITS) for n, v in out.items()}


def apply_links(
    links: dict[str, Link], base: dict[str, Any], point: dict[str, Any], where: str
) -> dict[str, Any]:
    """The values the links derive at ``point`` (the base's values for what is not swept).

    ``where`` names the point in an error: a share that would go negative is refused there.
    """
    derived: dict[str, Any] = {}
    for name, link in links.items():
        if not isinstance(link, SumToOne) or not any(n in point for n in link.sum_to_one):
            continue
        shares = _shares(link, {"swept": point, "all": {**base, **point}})
        if isinstance(shares, str):
            swept = ", ".join(f"{n}={point[n]!r}" for n in link.sum_to_one if n in point)
            raise ConfigError(
                f"{where}: field 'links.{name}': {shares} would be negative "
                f"(the swept {swept} leave too little); narrow the swept values"
            )
        derived.update(shares)
    for link in links.values():
        if isinstance(link, Tie):
            source = {**base, **point, **derived}[link.same_as]
            value = source * link.scale
            if isinstance(source, float) or not float(value).is_integer():
                value = round(float(value), DIGITS)
            derived[link.parameter] = value
    return derived


# --- a table of points ------------------------------------------------------------------


@dataclass(frozen=True)
class PointTable:
    """A CSV file's rows as design points, each with the line it came from."""

    path: Path
    columns: tuple[str, ...]
    rows: tuple[dict[str, Any], ...]
    lines: tuple[int, ...]
    sha256: str


def _cell(text: str) -> Any:
    """A CSV cell as the value a TOML file would give: integer, number, true/false or text."""
    value = text.strip()
    lowered = value.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for kind in (int, float):
        try:
            number = kind(value)
        except ValueError:
            continue
        if isinstance(number, float) and not math.isfinite(number):
            break
        return number
    return value


def read_table(path: Path, fields: set[str], forbidden: dict[str, str], source: str) -> PointTable:
    """Read and check a table of points; one line naming the file, line and column on a
    mistake. ``forbidden`` maps a column that may not be given to why."""
    if not path.is_file():
        raise ConfigError(f"{source}: field 'design.table': no such file {path}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{source}: field 'design.table': cannot read {path}: {exc}") from None
    reader = csv.reader(io.StringIO(text))
    lines = [(reader.line_num, row) for row in reader if any(c.strip() for c in row)]
    if not lines:
        raise ConfigError(f"{path}: empty; expected a header naming the parameters, then rows")
    header = [c.strip() for c in lines[0][1]]
    _check_header(path, header, fields, forbidden)
    if len(lines) == 1:
        raise ConfigError(f"{path}: no rows under the header; a table design needs points")
    rows, numbers = [], []
    for number, row in lines[1:]:
        if len(row) != len(header):
            raise ConfigError(f"{path}: line {number}: {len(row)} values for {len(header)} columns")
        for column, cell in zip(header, row, strict=True):
            if not cell.strip():
                raise ConfigError(f"{path}: line {number}, column '{column}': empty value")
        rows.append({c: _cell(v) for c, v in zip(header, row, strict=True)})
        numbers.append(number)
    digest = hashlib.sha256(text.encode()).hexdigest()
    return PointTable(path, tuple(header), tuple(rows), tuple(numbers), digest)


def _check_header(
    path: Path, header: list[str], fields: set[str], forbidden: dict[str, str]
) -> None:
    import difflib

    for column in header:
        if not column:
            raise ConfigError(f"{path}: line 1: a column without a name")
        if header.count(column) > 1:
            raise ConfigError(f"{path}: line 1, column '{column}': named twice")
        if column not in fields:
            close = difflib.get_close_matches(column, sorted(fields), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ConfigError(f"{path}: line 1, column '{column}': not a model parameter{hint}")
        if column in forbidden:
            raise ConfigError(f"{path}: line 1, column '{column}': {forbidden[column]}")


def link_error(exc: ValidationError | ValueError, name: str) -> str:
    """A link's schema error as 'links.<name>: what'."""
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            return f"field 'links.{name}': unknown key '{loc}'"
        what = err["msg"].removeprefix("Value error, ")
        return f"field 'links.{name}{'.' + loc if loc else ''}': {what}"
    return f"field 'links.{name}': {exc}"
