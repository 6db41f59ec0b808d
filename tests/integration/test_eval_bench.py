"""`m2io eval` and `m2io bench` as a user runs them, on small settings (not timed tests)."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from m2io_graph.config import M2IOConfig
from m2io_graph.eval.inserter import load_examples, task_for
from m2io_graph.inserter.prompt import to_chat_dicts
from m2io_graph.inserter.strategies import prompt_messages

M2IO = str(Path(sys.executable).with_name("m2io"))

DOCS = [
    (
        "d1",
        "Cats are small furry pets that purr. <PIC> A cat sleeps most of the day and hunts mice at night.",
        "i_cat",
        "A grey cat sleeping on a sofa",
        "grey",
    ),
    (
        "d2",
        "Bicycles have two wheels and pedals. <PIC> You steer a bicycle with its handlebar and stop it with brake levers.",
        "i_bike",
        "A red bicycle with two wheels",
        "red",
    ),
    (
        "d3",
        "Volcanoes erupt lava and ash. <PIC> Lava flows downhill and cools into black rock.",
        "i_volcano",
        "A volcano erupting lava",
        "orange",
    ),
]
QUESTIONS = [
    {
        "id": "q1",
        "question": "What does a cat do during the day?",
        "ground_truth": "A cat sleeps most of the day. <PIC>",
        "images_list": ["i_cat"],
    },
    {
        "id": "q2",
        "question": "How do you steer and stop a bicycle?",
        "ground_truth": "You steer a bicycle with its handlebar and stop it with brake levers. <PIC>",
        "images_list": ["i_bike"],
    },
    {
        "id": "q3",
        "question": "What happens to lava from a volcano?",
        "ground_truth": "Lava flows downhill and cools into rock. <PIC>",
        "images_list": ["i_volcano"],
    },
]


def m2io(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([M2IO, *args], capture_output=True, text=True, timeout=900)


def eval_questions(mramg: dict[str, Path], *args: str) -> subprocess.CompletedProcess:
    """`m2io eval` on the MRAMG questions, answering from their ingested store."""
    return m2io("eval", "--data", str(mramg["questions"]), "--store", str(mramg["store"]), *args)


@pytest.fixture(scope="module")
def mramg(tmp_path_factory) -> dict[str, Path]:
    """A corpus and questions in MRAMG-Bench's own layout, ingested with `--format mramg`."""
    root = tmp_path_factory.mktemp("mramg")
    info = {}
    for _, _, image, caption, colour in DOCS:
        picture = root / "IMAGE" / "images" / "TEST" / f"{image}.png"
        picture.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (160, 120), colour).save(picture)
        info[image] = {"image_path": f"{image}.png", "image_url": "", "image_caption": caption}
    info_file = root / "IMAGE" / "images_info" / "test_imgs_collection.json"
    info_file.parent.mkdir(parents=True)
    info_file.write_text(json.dumps(info))
    docs = root / "doc_test.jsonl"
    docs.write_text("\n".join(json.dumps([d, text, [image]]) for d, text, image, _, _ in DOCS))
    questions = root / "test_mqa.jsonl"
    questions.write_text("\n".join(json.dumps(q) for q in QUESTIONS))
    store = root / "store"
    done = m2io("ingest", str(docs), "--format", "mramg", "--store", str(store), "--quiet")
    assert done.returncode == 0, done.stderr
    assert "3 images" in done.stdout
    return {"root": root, "questions": questions, "store": store}


@pytest.mark.slow
def test_eval_answers_mramg_questions_end_to_end(mramg, tmp_path):
    out = tmp_path / "eval"
    done = eval_questions(
        mramg,
        "--generator",
        "extractive",
        "--inserter",
        "rule,r1",
        "--out",
        str(out),
        "--quiet",
    )
    assert done.returncode == 0, done.stderr
    assert "| system | n | precision | recall | f1 | ordering | rouge_l | bleu |" in done.stdout
    table = {r["system"]: r for r in csv.DictReader((out / "scores.csv").open())}
    assert set(table) == {"rule", "r1"}
    # gold MRAMG ids were translated to store ids: rule finds the right pictures
    assert float(table["rule"]["recall"]) > 50
    assert float(table["rule"]["rouge_l"]) > 20
    answers = list(csv.DictReader((out / "answers.csv").open()))
    assert len(answers) == 6
    for name in ("metrics.png", "latency.png"):
        assert (out / name).read_bytes()[:4] == b"\x89PNG"


@pytest.mark.slow
def test_eval_inserter_stage_on_a_built_dataset(mramg, tmp_path):
    data = tmp_path / "data"
    built = m2io(
        "train", "data", "--store", str(mramg["store"]), "--all-test", "--out", str(data), "--quiet"
    )
    assert built.returncode == 0, built.stderr
    out = tmp_path / "eval"
    done = m2io(
        "eval",
        "--data",
        str(data),
        "--inserter",
        "rule,r1",
        "--limit",
        "3",
        "--alpha",
        "0,0.5,1",
        "--out",
        str(out),
        "--quiet",
    )
    assert done.returncode == 0, done.stderr
    rows = {r["system"]: r for r in csv.DictReader((out / "scores.csv").open())}
    assert set(rows) == {"rule", "r1"} and float(rows["r1"]["format %"]) >= 0
    sweep = list(csv.DictReader((out / "alpha_sweep.csv").open()))
    assert [float(r["alpha"]) for r in sweep if r["system"] == "rule"] == [0.0, 0.5, 1.0]
    rule_at_1 = next(r for r in sweep if r["system"] == "rule" and float(r["alpha"]) == 1.0)
    expected = (float(rows["rule"]["format %"]) + float(rows["rule"]["F1"])) / 100
    assert float(rule_at_1["reward"]) == pytest.approx(expected, abs=0.01)
    assert (out / "alpha_sweep.png").read_bytes()[:4] == b"\x89PNG"
    plans = json.loads((out / "plans.json").read_text())
    assert [p["system"] for p in plans] == ["rule"] * 3 + ["r1"] * 3
    assert all(set(p) == {"system", "id", "valid", "error", "gold", "predicted"} for p in plans)
    # What r1 sends is what the dataset stores: the same prompt, hints of the same embedder.
    cfg = M2IOConfig()
    for example in load_examples(data):
        assert to_chat_dicts(prompt_messages(task_for(example), cfg)) == example["prompt"]


def test_eval_scores_a_users_own_strategy(tmp_path):
    data = tmp_path / "data.jsonl"
    example = {
        "id": "e1",
        "sentences": ["Cats purr.", "Lava is hot."],
        "candidates": [
            {"id": i, "path": f"/{i}.png", "alt": i, "caption": "", "context": "", "doc_id": "d"}
            for i in ("cat", "lava")
        ],
        "gold": [{"image": 2, "after": 2}],
    }
    data.write_text(json.dumps(example) + "\n")
    module = tmp_path / "my_strategy.py"
    module.write_text(
        "from m2io_graph.inserter.strategies import InsertionResult, register\n"
        "@register('mine')\n"
        "def mine(task, cfg, config):\n"
        "    return InsertionResult([{'image_id': 'lava', 'after': len(task.sentences)}])\n"
    )
    out = tmp_path / "eval"
    args = ["eval", "--data", str(data), "--stage", "inserter", "--inserter", "mine"]
    done = m2io(*args, "--import", str(module), "--out", str(out), "--quiet")
    assert done.returncode == 0, done.stderr
    (row,) = csv.DictReader((out / "scores.csv").open())
    assert (
        row["system"] == "mine" and float(row["F1"]) == 100 and float(row["position acc."]) == 100
    )
    unregistered = m2io(*args, "--out", str(out))
    assert unregistered.returncode == 2 and "unknown inserter 'mine'" in unregistered.stderr


def test_eval_rejects_bad_input(mramg, tmp_path):
    missing = m2io("eval", "--data", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    unknown = eval_questions(
        mramg,
        "--inserter",
        "magic",
        "--out",
        str(tmp_path),
    )
    assert unknown.returncode == 2 and "unknown inserter 'magic'" in unknown.stderr
    alpha = m2io("eval", "--data", str(mramg["questions"]), "--alpha", "2")
    assert alpha.returncode == 2 and "0..1" in alpha.stderr
    empty = m2io(
        "eval",
        "--data",
        str(mramg["questions"]),
        "--store",
        str(tmp_path / "empty"),
        "--inserter",
        "rule",
        "--out",
        str(tmp_path),
    )
    assert empty.returncode == 1 and "is empty" in empty.stderr


@pytest.mark.slow
def test_bench_writes_figures_with_ratios(tmp_path):
    out = tmp_path / "bench.json"
    done = m2io(
        "bench",
        "--generator",
        "extractive,smollm2",
        "--questions",
        "2",
        "--scales",
        "300",
        "--inserter-examples",
        "2",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert "parallel superstep ÷ slower branch" in done.stdout
    assert "× baseline" in done.stdout and "× exact" in done.stdout
    assert "× extractive" in done.stdout and "tokens/s" in done.stdout
    result = json.loads(out.read_text())
    assert result["ingest"]["chunks"] > 0 and result["ingest"]["chunks_per_s"] > 0
    pdf = result["pdf_ingest"]  # the committed excerpts: 16 pages, 13 page documents
    assert (pdf["pdf_files"], pdf["pages"], pdf["documents"], pdf["images"]) == (3, 16, 13, 15)
    assert pdf["pages_per_s"] > 0 and "pages/s" in done.stdout
    assert set(result["answers"]) == {"extractive", "smollm2"}
    for answers in result["answers"].values():
        assert set(answers["nodes_ms"]) >= {
            "retrieve",
            "generate_text",
            "extract_candidates",
            "insert_images",
            "merge",
        }
        assert answers["overlap_p50"] > 0
    systems = result["inserters"]["systems"]
    assert set(systems) == {
        "pairwise baseline",
        "rule",
        "cues",
        "r1 (llamacpp)",
        "r1 (transformers)",
    }
    assert systems["cues"]["format_validity"] == 100.0 and systems["cues"]["time_vs_rule"] > 0
    assert systems["pairwise baseline"]["time_vs_baseline"] == 1.0
    assert systems["rule"]["time_vs_rule"] == 1.0
    assert all(0 <= s["f1"] <= 100 for s in systems.values())
    assert systems["r1 (llamacpp)"]["format_validity"] == 100.0
    decoding = result["decoding"]
    assert decoding["llamacpp_tokens_per_s"] > 0 and decoding["transformers_tokens_per_s"] > 0
    cold = result["cold_start"]
    assert cold["generator"] == "smollm2" and cold["ask_s"] > 0 and cold["ask_r1_s"] > 0
    (scale,) = result["scale"]
    assert scale["chunks"] == 300 and scale["recall_at_4"] > 0.5 and scale["peak_memory_mb"] > 0


def test_page_questions_written_from_titles_measure_how_many_shown_images_are_the_pages(
    demo_store, tmp_path
):
    """`m2io questions` on the demo handbook, then `m2io eval` on them: the page-focus columns,
    and with the defaults (title ranking, the best page's images only) the shown images are
    the asked page's."""
    questions = tmp_path / "pages.jsonl"
    written = m2io("questions", "--store", demo_store["store_dir"], "--out", str(questions))
    assert written.returncode == 0, written.stderr
    rows = [json.loads(line) for line in questions.read_text().splitlines()]
    assert len(rows) >= 5 and all(r["page"].endswith(".html") and r["images"] for r in rows)
    assert all(r["question"].endswith("?") for r in rows)
    out = tmp_path / "eval"
    done = m2io(
        "eval", "--data", str(questions), "--store", demo_store["store_dir"],
        "--generator", "extractive", "--inserter", "rule", "--out", str(out), "--quiet",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    [row] = list(csv.DictReader((out / "scores.csv").open()))
    assert float(row["from asked page %"]) >= 85 and float(row["page retrieved %"]) >= 85
    answers = list(csv.DictReader((out / "answers.csv").open()))
    assert {a["page"] for a in answers} == {r["page"] for r in rows}
