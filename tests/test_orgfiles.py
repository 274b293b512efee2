"""A real organisation from a client's files: every mistake one line naming the file and the
line, repairs only where there is one reading, and the files commsim writes read back."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from typer.testing import CliRunner

from commsim import orgfiles
from commsim.cli import app
from commsim.model import ROLE_NAMES, CommunityModel, OrgChart
from commsim.orgfiles import (
    OrgFileError,
    anonymise,
    export_organisation,
    read_collaboration,
    read_org_chart,
)

CHART = """\
id,manager,team,role,tenure,safety,name
boss,,board,director,40,0.5,Ann Smith
b1,boss,board,nurse,3,,Bob Jones
b2,boss,board,doctor,,0.25,Cy Young
c1,b1,ward,nurse,1,1,Di Brown
"""
TIES = "source,target\nboss,b1\nc1,b1\nb2,c1\n"


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def refused(call: object, *needles: str) -> str:
    """The one-line OrgFileError ``call()`` raises, holding every needle."""
    with pytest.raises(OrgFileError) as info:
        call()  # type: ignore[operator]
    message = str(info.value)
    assert "\n" not in message
    for needle in needles:
        assert needle in message, message
    return message


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two labellings put the same people together (the labels may differ)."""
    pairs = set(zip(a.tolist(), b.tolist(), strict=True))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


@pytest.fixture
def chart(tmp_path: Path) -> OrgChart:
    return read_org_chart(write(tmp_path, "chart.csv", CHART))[0]


# --- org charts: what a good file gives -------------------------------------------------


def test_a_chart_reads_its_columns_and_ignores_the_rest(tmp_path: Path) -> None:
    path = write(tmp_path, "chart.csv", CHART)
    chart, repairs = read_org_chart(path)
    assert repairs == []
    assert chart.source == str(path)
    assert chart.ids.tolist() == ["boss", "b1", "b2", "c1"]
    assert chart.manager.tolist() == [-1, 0, 0, 1]
    assert chart.role.tolist() == ["director", "nurse", "doctor", "nurse"]  # type: ignore[union-attr]
    assert chart.tenure.tolist() == [40, 3, -1, 1]  # type: ignore[union-attr]
    np.testing.assert_array_equal(chart.safety, [0.5, np.nan, 0.25, 1.0])  # type: ignore[arg-type]
    assert chart.unit is None and chart.punitiveness is None and chart.learning_rate is None
    assert chart.lines.tolist() == [2, 3, 4, 5]  # type: ignore[union-attr]
    assert chart.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert read_org_chart(path, source="acme.csv")[0].source == "acme.csv"


def test_ten_people_come_out_top_down_by_depth_in_file_order(tmp_path: Path) -> None:
    # file order mixes the levels; depth: top 0; a, b 1; a1, a2, b1 2; x, y, z 3
    text = "id,manager\nx,a1\na1,a\ntop,\nb1,b\ny,b1\na,top\na2,a\nb,top\nz,a1\nw,x\n"
    chart = read_org_chart(write(tmp_path, "ten.csv", text))[0]
    assert chart.ids.tolist() == ["top", "a", "b", "a1", "b1", "a2", "x", "y", "z", "w"]
    by_id = dict(zip(chart.ids.tolist(), range(10), strict=True))
    expected = ["", "top", "top", "a", "b", "a", "a1", "b1", "a1", "x"]
    assert chart.manager.tolist() == [by_id.get(m, -1) for m in expected]
    assert chart.level.tolist() == [4, 3, 3, 2, 2, 2, 1, 1, 1, 0]
    assert chart.lines.tolist() == [4, 7, 9, 3, 5, 8, 2, 6, 10, 11]  # type: ignore[union-attr]
    assert np.all(chart.manager[1:] < np.arange(1, 10))


def test_column_names_are_matched_loosely_and_by_alias(tmp_path: Path) -> None:
    text = " Employee_ID ,REPORTS_TO,Learning_Rate\n  e1 ,,2\ne2,  e1  ,3.5\n"
    chart = read_org_chart(write(tmp_path, "alias.csv", text))[0]
    assert chart.ids.tolist() == ["e1", "e2"]
    assert chart.manager.tolist() == [-1, 0]
    assert chart.learning_rate.tolist() == [2.0, 3.5]  # type: ignore[union-attr]


def test_excel_exports_read_like_the_plain_file(tmp_path: Path) -> None:
    plain = read_org_chart(write(tmp_path, "plain.csv", CHART))[0]
    semicolons = CHART.replace(",", ";").replace("0.25", "0,25").replace("\n", "\r\n")
    excel = write(tmp_path, "excel.csv", b"\xef\xbb\xbf" + semicolons.encode())
    tabs = write(tmp_path, "tabs.csv", CHART.replace(",", "\t"))
    for path in (excel, tabs):
        chart = read_org_chart(path)[0]
        for name in ("ids", "manager", "role", "team", "tenure"):
            assert getattr(chart, name).tolist() == getattr(plain, name).tolist(), (path, name)
        np.testing.assert_array_equal(chart.safety, plain.safety)  # type: ignore[arg-type]


def test_blank_lines_and_rows_of_empty_cells_are_skipped(tmp_path: Path) -> None:
    text = "id,manager\n\na,\n,\nb,a\n;\n"
    chart = read_org_chart(write(tmp_path, "gaps.csv", text.replace(";", "")))[0]
    assert chart.ids.tolist() == ["a", "b"]
    assert chart.lines.tolist() == [3, 5]  # type: ignore[union-attr]


# --- org charts: every mistake is one line naming the file and the line ------------------

BAD_CHARTS = [
    ("empty", "", ["the file is empty"]),
    ("header only", "id,manager\n", ["no people", "line 1"]),
    ("no id column", "name,manager\nx,\n", ["line 1", "no 'id' column", "'name', 'manager'"]),
    ("no manager column", "id,boss\nx,\n", ["no 'manager' column", "'id', 'boss'"]),
    ("two id columns", "id,person,manager\nx,x,\n", ["'id' and 'person' both give the id"]),
    ("wrong width", "id,manager\na,\nb,a,oops\n", ["line 3: 3 fields", "has 2"]),
    ("blank id", "id,manager\na,\n ,a\n", ["line 3: a blank id"]),
    ("repeated id", "id,manager\na,\nb,a\nb,\n", ["line 4: id 'b' is also on line 3", "unique"]),
    ("own manager", "id,manager\na,\nb,b\n", ["line 3: 'b' is their own manager"]),
    (
        "several tops",
        "id,manager\na,\nb,\nc,a\nd,\n",
        ["lines 2, 3, 5: 3 people have no manager ('a', 'b', 'd')", "exactly one top"],
    ),
    ("no top", "id,manager\na,b\nb,a\n", ["no top", "a -> b -> a", "lines 2, 3"]),
    (
        "circle",
        "id,manager\nboss,\na,c\nb,a\nc,b\nd,a\n",
        ["lines 3, 4, 5: reporting lines go round in a circle: a -> c -> b -> a", "1 more"],
    ),
    ("tenure", "id,manager,tenure\na,,3\nb,a,-2\n", ["line 3: tenure '-2'", ">= 0"]),
    ("tenure fraction", "id,manager,tenure\na,,3\nb,a,1.5\n", ["tenure '1.5'", "whole number"]),
    ("safety", "id,manager,safety\na,,1.5\nb,a,\n", ["line 2: safety '1.5'", "[0, 1]"]),
    ("punitiveness", "id,manager,punitiveness\na,,nan\nb,a,0\n", ["punitiveness 'nan'", "[0, 1]"]),
    ("learning rate", "id,manager,learning_rate\na,,1\nb,a,x\n", ["'x'", "[1, 100]"]),
    ("one person", "id,manager\nsolo,\n", ["line 2", "one person", "at least two"]),
]


@pytest.mark.parametrize(("case", "text", "needles"), BAD_CHARTS, ids=[b[0] for b in BAD_CHARTS])
def test_a_bad_chart_is_refused_in_one_line(
    tmp_path: Path, case: str, text: str, needles: list[str]
) -> None:
    path = write(tmp_path, "acme.csv", text)
    message = refused(lambda: read_org_chart(path), *needles)
    assert message.startswith(f"{path}")


def test_an_unknown_manager_is_named_with_the_report(tmp_path: Path) -> None:
    path = write(tmp_path, "acme.csv", "id,manager\nE-1,\nE-12,E-77\n")
    message = refused(lambda: read_org_chart(path, source="acme.csv"))
    assert message == "acme.csv, line 3: manager 'E-77' of 'E-12' is not in the file"


@pytest.mark.parametrize(
    ("data", "needles"),
    [
        (b"id,manager\nJos\xe9,\n", ["line 2", "not UTF-8"]),  # Latin-1
        ("id,manager\na,\n".encode("utf-16"), ["not UTF-8"]),  # with its byte-order mark
        ("id,manager\na,\n".encode("utf-16-le"), ["NUL bytes"]),
    ],
)
def test_a_file_that_is_not_utf8_text_is_refused(
    tmp_path: Path, data: bytes, needles: list[str]
) -> None:
    path = write(tmp_path, "acme.csv", data)
    refused(lambda: read_org_chart(path), "acme.csv", *needles)


def test_missing_files_and_folders_are_refused(tmp_path: Path) -> None:
    refused(lambda: read_org_chart(tmp_path / "nope.csv"), "nope.csv: no such file")
    refused(lambda: read_org_chart(tmp_path), "a folder")


def test_a_huge_file_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as fh:  # sparse: no GiB is written
        fh.truncate(orgfiles.MAX_BYTES + 1)

    def no_reading(self: Path) -> bytes:
        raise AssertionError(f"{self} was read")

    monkeypatch.setattr(Path, "read_bytes", no_reading)
    refused(lambda: read_org_chart(path), "huge.csv", "over the 1 GiB")


def test_too_many_people_or_ties_are_refused(
    tmp_path: Path, chart: OrgChart, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(orgfiles, "MAX_ROWS", 3)
    path = write(tmp_path, "big.csv", "id,manager\na,\nb,a\nc,a\nd,a\ne,a\n")
    refused(lambda: read_org_chart(path), "big.csv", "over the 3 people")
    ties = write(tmp_path, "ties.csv", "a,b\n" + "b1,c1\n" * 5)
    refused(lambda: read_collaboration(ties, chart), "ties.csv", "over the 3 ties")


# --- org charts: repairs ----------------------------------------------------------------


def test_repair_keeps_one_of_rows_repeated_exactly(tmp_path: Path) -> None:
    text = "id,manager,team\na,,x\nb,a,x\nc,a,y\nb,a, x \nc,a,y\n"
    path = write(tmp_path, "acme.csv", text)
    message = refused(lambda: read_org_chart(path), "line 5: id 'b' is also on line 3")
    assert "repairing keeps one" in message
    chart, repairs = read_org_chart(path, repair=True)
    assert chart.ids.tolist() == ["a", "b", "c"]
    assert chart.lines.tolist() == [2, 3, 4]  # type: ignore[union-attr]
    assert repairs == [
        "dropped 2 rows repeating another exactly (line 5 repeats line 3, line 6 repeats line 4)"
    ]


def test_repair_leaves_a_repeated_id_with_other_values_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "acme.csv", "id,manager,team\na,,x\nb,a,x\nb,a,y\n")
    message = refused(lambda: read_org_chart(path, repair=True), "line 4", "line 3")
    assert "repairing" not in message


def test_repair_makes_a_lone_self_manager_the_top(tmp_path: Path) -> None:
    path = write(tmp_path, "acme.csv", "id,manager\nb,a\na,a\nc,a\n")
    refused(lambda: read_org_chart(path), "line 3: 'a' is their own manager", "repairing")
    chart, repairs = read_org_chart(path, repair=True)
    assert chart.ids.tolist() == ["a", "b", "c"]
    assert chart.manager.tolist() == [-1, 0, 0]
    assert repairs == ["line 3: 'a' was their own manager; made them the top (no one else is)"]


def test_repair_leaves_a_self_manager_beside_a_top_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "acme.csv", "id,manager\na,\nb,b\nc,a\n")
    message = refused(lambda: read_org_chart(path, repair=True), "line 3", "their own manager")
    assert "repairing" not in message
    for text in ("id,manager\na,x\nb,a\n", "id,manager\na,\nb,\n"):  # nothing else is repaired
        other = write(tmp_path, "other.csv", text)
        refused(lambda other=other: read_org_chart(other, repair=True), "other.csv")


# --- collaboration networks -------------------------------------------------------------


def test_ties_come_out_once_as_ordered_chart_rows(tmp_path: Path, chart: OrgChart) -> None:
    ties, repairs = read_collaboration(write(tmp_path, "ties.csv", TIES), chart)
    assert repairs == []
    assert ties.edges.dtype == np.int64
    assert ties.edges.tolist() == [[0, 1], [1, 3], [2, 3]]
    assert ties.weight is None


def test_tie_columns_by_alias_with_weights(tmp_path: Path, chart: OrgChart) -> None:
    text = "FROM;to;Weight\nc1;b1;2,5\nboss;b1;1\n"
    ties = read_collaboration(write(tmp_path, "ties.csv", text), chart)[0]
    assert ties.edges.tolist() == [[0, 1], [1, 3]]
    assert ties.weight.tolist() == [1.0, 2.5]  # type: ignore[union-attr]
    same = read_collaboration(
        write(tmp_path, "same.csv", "a,b,weight\nc1,b1,2\nb1,boss,2\n"), chart
    )
    assert same[0].weight is None  # every tie alike


BAD_TIES = [
    ("empty", "", ["the file is empty"]),
    ("header only", "source,target\n", ["no ties"]),
    ("no target", "from,x\nboss,b1\n", ["no 'target' column", "'from', 'x'"]),
    ("self-tie", "source,target\nboss,b1\nb2,b2\n", ["line 3: a self-tie ('b2' with 'b2')"]),
    ("twice", "a,b\nboss,b1\nc1,b2\nb1,boss\n", ["line 4", "'b1' - 'boss'", "line 2"]),
    ("weight", "a,b,weight\nboss,b1,1\nc1,b2,0\n", ["line 3: weight '0'", "above 0"]),
    ("weight text", "a,b,weight\nboss,b1,heavy\n", ["weight 'heavy'"]),
    ("no weight", "a,b,weight\nboss,b1,\n", ["line 2: a blank weight"]),
    ("blank end", "a,b\nboss,\n", ["line 2: a blank target"]),
]


@pytest.mark.parametrize(("case", "text", "needles"), BAD_TIES, ids=[b[0] for b in BAD_TIES])
def test_bad_ties_are_refused_in_one_line(
    tmp_path: Path, chart: OrgChart, case: str, text: str, needles: list[str]
) -> None:
    path = write(tmp_path, "ties.csv", text)
    message = refused(lambda: read_collaboration(path, chart), *needles)
    assert message.startswith(str(path))


def test_a_tie_to_someone_not_in_the_chart_names_both_files(
    tmp_path: Path, chart: OrgChart
) -> None:
    path = write(tmp_path, "ties.csv", "source,target\nboss,b1\nzz,b1\n")
    message = refused(lambda: read_collaboration(path, chart))
    assert message == f"{path}, line 3: 'zz' is not in the org chart {chart.source}"


def test_repair_drops_and_merges_ties_and_says_so_by_group(tmp_path: Path, chart: OrgChart) -> None:
    text = "a,b,weight\nboss,b1,1\nb2,b2,1\nc1,c1,1\nb1,boss,2\nzz,b1,1\nc1,b2,4\nb1,b1,1\n"
    path = write(tmp_path, "ties.csv", text)
    ties, repairs = read_collaboration(path, chart, repair=True)
    assert ties.edges.tolist() == [[0, 1], [2, 3]]
    assert ties.weight.tolist() == [3.0, 4.0]  # type: ignore[union-attr]
    assert repairs == [
        f"dropped 1 tie naming people not in the org chart {chart.source} (line 6)",
        "dropped 3 self-ties (lines 3, 4, 8)",
        "merged 1 tie given twice (line 5 repeats line 2), weights added",
    ]
    only_self = write(tmp_path, "self.csv", "a,b\nc1,c1\n")
    refused(lambda: read_collaboration(only_self, chart, repair=True), "no ties left")


def graphml(folder: Path, name: str, graph: nx.Graph) -> Path:
    path = folder / name
    nx.write_graphml(graph, path)
    return path


def test_graphml_with_and_without_weights(tmp_path: Path, chart: OrgChart) -> None:
    plain = nx.Graph([("c1", "b1"), ("boss", "b1")])
    plain.add_node("b2")  # a node without ties is no tie
    ties = read_collaboration(graphml(tmp_path, "plain.graphml", plain), chart)[0]
    assert ties.edges.tolist() == [[0, 1], [1, 3]]
    assert ties.weight is None
    weighted = nx.Graph()
    weighted.add_edge("c1", "b1", weight=2.5)
    weighted.add_edge("boss", "b1", weight=1.0)
    ties = read_collaboration(graphml(tmp_path, "weighted.graphml", weighted), chart)[0]
    assert ties.edges.tolist() == [[0, 1], [1, 3]]
    assert ties.weight.tolist() == [1.0, 2.5]  # type: ignore[union-attr]


def test_a_directed_graph_is_read_undirected(tmp_path: Path, chart: OrgChart) -> None:
    graph = nx.DiGraph()
    graph.add_edge("b1", "boss", weight=1.0)
    graph.add_edge("boss", "b1", weight=2.0)  # the same tie, back: weights added
    graph.add_edge("c1", "b2", weight=4.0)
    ties, repairs = read_collaboration(graphml(tmp_path, "directed.graphml", graph), chart)
    assert ties.edges.tolist() == [[0, 1], [2, 3]]
    assert ties.weight.tolist() == [3.0, 4.0]  # type: ignore[union-attr]
    assert repairs == []


def test_bad_graphml_is_refused(tmp_path: Path, chart: OrgChart) -> None:
    broken = write(tmp_path, "broken.graphml", "<graphml><node id='a'>")
    refused(lambda: read_collaboration(broken, chart), "broken.graphml: not valid GraphML")
    empty = graphml(tmp_path, "empty.graphml", nx.Graph([("b1", "b1")][:0]))
    refused(lambda: read_collaboration(empty, chart), "no ties")
    stranger = graphml(tmp_path, "stranger.graphml", nx.Graph([("b1", "zz")]))
    refused(lambda: read_collaboration(stranger, chart), "'zz' is not in the org chart")
    looped = graphml(tmp_path, "looped.graphml", nx.Graph([("b1", "b1"), ("b1", "c1")]))
    refused(lambda: read_collaboration(looped, chart), "self-tie")
    ties, repairs = read_collaboration(looped, chart, repair=True)
    assert ties.edges.tolist() == [[1, 3]]
    assert repairs == ["dropped 1 self-tie (tie 'b1' - 'b1')"]


# --- writing: a model's organisation ----------------------------------------------------


def test_an_exported_model_reads_back_row_for_row(tmp_path: Path) -> None:
    model = CommunityModel(n_agents=60, seed=3)
    chart_file, ties_file = tmp_path / "org.csv", tmp_path / "ties.csv"
    assert export_organisation(model, chart_file, ties_file) == [chart_file, ties_file]
    chart, repairs = read_org_chart(chart_file)
    state = model.state
    assert repairs == []
    assert chart.ids.tolist() == [f"m{i}" for i in range(60)]
    assert chart.manager.tolist() == state.manager.tolist()
    assert chart.level.tolist() == state.level.tolist()
    assert chart.role.tolist() == [ROLE_NAMES[r] for r in state.role]  # type: ignore[union-attr]
    for trait in ("safety", "punitiveness", "learning_rate"):
        read, kept = getattr(chart, trait), getattr(state, trait)
        assert read.view(np.int64).tolist() == kept.view(np.int64).tolist(), trait
    assert chart.tenure.tolist() == [0] * 60  # type: ignore[union-attr]
    assert same_partition(chart.teams, state.manager)  # a team: those who share a manager
    ties = read_collaboration(ties_file, chart)[0]
    assert ties.edges.tolist() == model.ties.edges.tolist()


def test_export_never_overwrites(tmp_path: Path) -> None:
    model = CommunityModel(n_agents=20, seed=1)
    taken = write(tmp_path, "ties.csv", "someone's file")
    refused(lambda: export_organisation(model, tmp_path / "org.csv", taken), "ties.csv: exists")
    assert taken.read_text() == "someone's file"
    assert not (tmp_path / "org.csv").exists()


# --- anonymising ------------------------------------------------------------------------

SALT = "a" * 64


@pytest.fixture
def client(tmp_path: Path) -> Path:
    """A folder with a client's chart.csv and ties.csv."""
    write(tmp_path, "chart.csv", CHART)
    write(tmp_path, "ties.csv", TIES)
    return tmp_path


def anonymised(folder: Path, salt: str, name: str) -> tuple[Path, Path]:
    out, ties_out = folder / f"{name}.csv", folder / f"{name}-ties.csv"
    anonymise(folder / "chart.csv", out, salt, folder / "ties.csv", ties_out)
    return out, ties_out


def test_anonymised_files_hold_no_id_or_dropped_value(client: Path) -> None:
    out, ties_out = anonymised(client, SALT, "anon")
    data = out.read_bytes() + ties_out.read_bytes()
    for secret in ("boss", "b1", "b2", "c1", "board", "ward", "Ann", "Smith", "Bob", "name"):
        assert secret.encode() not in data, secret
    header = out.read_text().splitlines()[0]
    assert header == "id,manager,team,role,tenure,safety"


def test_anonymising_keeps_the_relations(client: Path) -> None:
    chart = read_org_chart(client / "chart.csv")[0]
    out, ties_out = anonymised(client, SALT, "anon")
    copy = read_org_chart(out)[0]
    assert all(len(i) == 13 and i.startswith("p") for i in copy.ids.tolist())
    assert copy.manager.tolist() == chart.manager.tolist()
    assert copy.role.tolist() == chart.role.tolist()  # type: ignore[union-attr]
    assert copy.tenure.tolist() == chart.tenure.tolist()  # type: ignore[union-attr]
    np.testing.assert_array_equal(copy.safety, chart.safety)  # type: ignore[arg-type]
    assert same_partition(copy.teams, chart.teams)  # the same teams, renamed
    assert all(t.startswith("t") and len(t) == 9 for t in copy.team.tolist())  # type: ignore[union-attr]
    ties = read_collaboration(client / "ties.csv", chart)[0]
    assert read_collaboration(ties_out, copy)[0].edges.tolist() == ties.edges.tolist()


def test_pseudonyms_are_stable_under_a_salt_and_change_with_it(client: Path) -> None:
    first = [p.read_bytes() for p in anonymised(client, SALT, "one")]
    again = [p.read_bytes() for p in anonymised(client, SALT, "two")]
    other = [p.read_bytes() for p in anonymised(client, "b" * 64, "three")]
    assert first == again
    assert first[0] != other[0] and first[1] != other[1]
    expected = "p" + hmac.new(SALT.encode(), b"boss", hashlib.sha256).hexdigest()[:12]
    assert first[0].decode().splitlines()[1].startswith(f"{expected},,")


def test_anonymise_refuses_a_short_salt_and_an_existing_output(tmp_path: Path) -> None:
    chart = write(tmp_path, "chart.csv", CHART)
    refused(lambda: anonymise(chart, tmp_path / "out.csv", "short"), "at least 16")
    taken = write(tmp_path, "out.csv", "mine")
    refused(lambda: anonymise(chart, taken, SALT), "out.csv: exists")
    assert taken.read_text() == "mine"
    assert len(orgfiles.new_salt()) == 64


# --- size: how fast is benchmarks/bench_org_chart.py's business, never a timed test -------


def test_a_hundred_thousand_people_in_shuffled_order_come_out_top_down(tmp_path: Path) -> None:
    n = 100_000
    rng = np.random.default_rng(0)
    manager = (rng.random(n) * np.arange(n)).astype(np.int64)  # each under an earlier one
    order = rng.permutation(n)
    lines = ["id,manager,team,role,safety"]
    lines += [f"E{i},{'' if i == 0 else f'E{manager[i]}'},T{manager[i]},nurse,0.5" for i in order]
    path = write(tmp_path, "big.csv", "\n".join(lines) + "\n")
    chart = read_org_chart(path)[0]
    assert chart.n == n and chart.ids[0] == "E0"
    rows = np.arange(1, n)
    assert np.all(chart.manager[1:] < rows)  # every manager above the report
    index = {person: row for row, person in enumerate(chart.ids)}
    sample = rng.integers(1, n, 500)
    assert all(chart.ids[chart.manager[index[f"E{i}"]]] == f"E{manager[i]}" for i in sample)


# --- the command line -------------------------------------------------------------------

runner = CliRunner()


def invoke(*args: object) -> object:
    return runner.invoke(app, [str(a) for a in args])


def assert_user_error(result: object, *needles: str) -> None:
    """Exit 2, one line on stderr naming each needle, nothing on stdout."""
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    lines = result.stderr.strip().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert result.stdout == ""  # type: ignore[attr-defined]


def test_cli_check_summarises_a_chart_and_its_ties(tmp_path: Path) -> None:
    chart, ties = write(tmp_path, "chart.csv", CHART), write(tmp_path, "ties.csv", TIES)
    result = invoke("org", "check", chart, "--ties", ties)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    out = result.stdout  # type: ignore[attr-defined]
    for needle in (
        "4 people on 3 levels, top 'boss'",
        "teams: 2",
        "role labels: nurse 2, director 1, doctor 1",
        "ignored columns: name",
        "3 ties, mean degree 1.50",
    ):
        assert needle in out, out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chart.csv", "ties.csv"]


def test_cli_check_a_bad_file_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    chart = write(tmp_path, "acme.csv", "id,manager\nE-1,\nE-12,E-77\n")
    result = invoke("org", "check", chart, "--repair", "--out", tmp_path / "fixed.csv")
    assert_user_error(result, "acme.csv, line 3", "'E-77'")
    assert [p.name for p in tmp_path.iterdir()] == ["acme.csv"]


def test_cli_check_repairs_into_a_new_file_only(tmp_path: Path) -> None:
    text = "id;manager;name\na;a;Ann\nb;a;Bob\nb;a;Bob\n"
    chart = write(tmp_path, "acme.csv", text)
    taken = write(tmp_path, "fixed.csv", "mine")
    assert_user_error(invoke("org", "check", chart, "--repair", "--out", taken), "exists")
    assert taken.read_text() == "mine"
    assert_user_error(invoke("org", "check", chart, "--repair"), "--out")
    fixed = tmp_path / "new.csv"
    result = invoke("org", "check", chart, "--repair", "--out", fixed)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "repaired" in result.stdout and "line 4 repeats line 3" in result.stdout  # type: ignore[attr-defined]
    assert fixed.read_text() == "id;manager;name\na;;Ann\nb;a;Bob\n"
    assert read_org_chart(fixed)[1] == []


def test_cli_check_repairs_ties_into_an_edge_list(tmp_path: Path) -> None:
    chart = write(tmp_path, "chart.csv", CHART)
    graph = nx.Graph([("c1", "b1"), ("b2", "b2"), ("boss", "zz")])
    ties = graphml(tmp_path, "ties.graphml", graph)
    assert_user_error(invoke("org", "check", chart, "--ties", ties), "ties.graphml", "'zz'")
    fixed, fixed_ties = tmp_path / "fixed.csv", tmp_path / "fixed-ties.csv"
    args = ["--repair", "--out", fixed, "--ties-out", fixed_ties]
    result = invoke("org", "check", chart, "--ties", ties, *args)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    out = result.stdout  # type: ignore[attr-defined]
    assert "nothing to repair" not in out
    assert f"repaired {ties}: dropped 1 tie naming people not in the org chart" in out
    assert f"repaired {ties}: dropped 1 self-tie (tie 'b2' - 'b2')" in out
    assert "1 tie, mean degree 0.50" in out
    assert fixed.read_text() == CHART  # the chart needed no repair: written as it was
    assert fixed_ties.read_text() == "source,target\nb1,c1\n"


def test_cli_anonymise_makes_a_salt_and_reuses_it(tmp_path: Path) -> None:
    chart, ties = write(tmp_path, "chart.csv", CHART), write(tmp_path, "ties.csv", TIES)
    salt = tmp_path / "salt.txt"
    args = ["org", "anonymise", chart, "--salt", salt, "--ties", ties]
    result = invoke(*args, "--out", tmp_path / "a.csv", "--ties-out", tmp_path / "a-ties.csv")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "keep it" in result.stdout and "columns dropped: name" in result.stdout  # type: ignore[attr-defined]
    assert len(salt.read_text().strip()) == 64
    assert salt.stat().st_mode & 0o077 == 0  # the owner's alone
    result = invoke(*args, "--out", tmp_path / "b.csv", "--ties-out", tmp_path / "b-ties.csv")
    assert "keep it" not in result.stdout  # type: ignore[attr-defined]
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_cli_anonymise_a_bad_chart_writes_neither_output_nor_salt(tmp_path: Path) -> None:
    chart = write(tmp_path, "acme.csv", "id,manager\na,\nb,\n")
    result = invoke(
        "org", "anonymise", chart, "--salt", tmp_path / "salt", "--out", tmp_path / "o.csv"
    )
    assert_user_error(result, "acme.csv", "exactly one top")
    assert [p.name for p in tmp_path.iterdir()] == ["acme.csv"]


def test_cli_export_writes_a_scenario_and_refuses_an_existing_out(tmp_path: Path) -> None:
    scenario = write(tmp_path, "small.toml", "n_agents = 30\nseed = 2\n")
    out = tmp_path / "org.csv"
    result = invoke("org", "export", scenario, "--out", out, "--set", "n_agents=40")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert read_org_chart(out)[0].n == 40
    before = out.read_bytes()
    assert_user_error(invoke("org", "export", scenario, "--out", out), "org.csv: exists")
    assert out.read_bytes() == before
    assert_user_error(
        invoke("org", "export", scenario, "--out", tmp_path / "x.csv", "--set", "n_agnts=3"),
        "n_agnts",
    )
    assert not (tmp_path / "x.csv").exists()
