"""Evaluation plumbing that needs no model: question files, tables, files, the α sweep."""

import csv
import json
from pathlib import Path

import pytest
from PIL import Image

from m2io_graph.bench.pipeline import percentile
from m2io_graph.corpus.image_files import image_id
from m2io_graph.corpus.sources import LoadError
from m2io_graph.eval import report
from m2io_graph.eval.answers import in_gold_terms, load_questions, shown_images
from m2io_graph.eval.inserter import Scores, alpha_sweep, rows


def mramg_questions(root: Path, lines: list[dict | str]) -> Path:
    """MRAMG's layout: <name>_mqa.jsonl next to IMAGE/images_info/<name>_imgs_collection.json."""
    info = {"p_1": {"image_path": "p_1.png", "image_caption": "A red square"}}
    info_file = root / "IMAGE" / "images_info" / "demo_imgs_collection.json"
    info_file.parent.mkdir(parents=True)
    info_file.write_text(json.dumps(info))
    picture = root / "IMAGE" / "images" / "DEMO" / "p_1.png"
    picture.parent.mkdir(parents=True)
    Image.new("RGB", (64, 64), "red").save(picture)
    path = root / "demo_mqa.jsonl"
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    return path


def test_questions_name_gold_images_by_store_id(tmp_path):
    path = mramg_questions(
        tmp_path,
        [
            {
                "id": "q1",
                "question": "What is red?",
                "ground_truth": "This. <PIC>",
                "images_list": ["p_1", "gone"],
            },
            {"id": "q2", "question": "Nothing?", "ground_truth": "No.", "images_list": []},
        ],
    )
    q1, q2 = load_questions(path)
    red = image_id(str(tmp_path / "IMAGE" / "images" / "DEMO" / "p_1.png"))
    assert q1.images == [red, "gone"]  # an image that cannot be found stays gold, unshowable
    assert (q1.reference, q2.images) == ("This. <PIC>", [])


def test_a_bad_question_line_names_its_number(tmp_path):
    path = mramg_questions(tmp_path, [{"question": "ok"}, "{not json", {"question": ""}])
    with pytest.raises(LoadError, match="line 2"):
        load_questions(path)


def test_shown_images_in_reading_order():
    result = {"insertions": [{"image_id": "b", "after": 3}, {"image_id": "a", "after": 1}]}
    assert shown_images(result) == ["a", "b"]
    assert shown_images({}) == []


def scores(name, f1, position):
    return Scores(name, 10, 100.0, f1, f1, f1, position, f1, 0.5)


def test_alpha_sweep_weights_selection_and_position():
    sweep = alpha_sweep([scores("rule", 80.0, 20.0)], [0.0, 0.5, 1.0])
    assert sweep["rule"] == pytest.approx([(0.0, 1.2), (0.5, 1.5), (1.0, 1.8)])


def test_table_and_files(tmp_path):
    table = rows([scores("rule", 80.0, 20.0), scores("r1", 90.0, 40.0)])
    text = report.markdown_table(table)
    assert text.splitlines()[0].startswith("| system | n | format % | P | R | F1 | position acc.")
    assert "| r1 | 10 | 100.0 | 90.0 | 90.0 | 90.0 | 40.0 | 90.0 | 0.5 |" in text
    csv_path, json_path = report.write_rows(tmp_path, "scores", table)
    assert [r["system"] for r in csv.DictReader(csv_path.open())] == ["rule", "r1"]
    assert json.loads(json_path.read_text())[1]["F1"] == 90.0
    png = report.plot_metrics(table, ["F1", "position acc."], tmp_path / "m.png")
    assert png is not None and png.read_bytes()[:4] == b"\x89PNG"
    assert report.plot_alpha({}, tmp_path / "a.png") is None
    assert report.markdown_table([]) == "(no results)"


def test_percentile_nearest_rank():
    values = [5, 1, 4, 2, 3]
    assert (percentile(values, 50), percentile(values, 95), percentile(values, 0)) == (3, 5, 1)


def test_gold_named_by_file_name_or_store_id():
    result = {
        "candidates": [
            {"id": "h1", "path": "/docs/img/ssh-L.png"},
            {"id": "h2", "path": "/docs/img/other.png"},
            {"id": "h3", "path": "https://x.org/pics/remote.png"},
        ],
        "insertions": [
            {"image_id": "h2", "after": 2},
            {"image_id": "h1", "after": 1},
            {"image_id": "h3", "after": 3},
        ],
    }
    assert in_gold_terms(result, ["ssh-L.png", "remote.png"]) == ["ssh-L.png", "h2", "remote.png"]
    assert in_gold_terms(result, ["h2"]) == ["h1", "h2", "h3"]
