"""MODEL_CARD.md, rendered from the metrics written at training time."""

from __future__ import annotations

from typing import Any

from triage.taxonomy import FLAGS, TOPICS


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}"


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _data(m: dict[str, Any]) -> str:
    d = m["data"]
    rows = [[t, TOPICS[t], d["per_topic"][t]] for t in TOPICS]
    rows += [[f, FLAGS[f], d["per_flag"][f]] for f in FLAGS]
    return "\n".join([
        f"- Files: {d['files']}; cases after de-duplication: {d['cases']} "
        f"(train {d['train']}, test {d['test']}); duplicates removed: "
        f"{d['duplicates_removed']}; unreadable lines skipped: {d['skipped_lines']}.",
        f"- Written without diacritics: {d['without_diacritics']} of {d['cases']}.",
        *([f"- Teaching their topic only (`topic_only`: the flags are not fitted on them): "
           f"{d['topic_only']} of {d['cases']}."] if d.get("topic_only") else []),
        f"- Corrections added to training: {d['corrections']}.",
        f"- Data hash (SHA-256 over id, text, labels): `{d['data_hash']}`.",
        "- Test split: a case is in the test set when the SHA-256 of its id falls in the "
        "lowest 20% (fixed; new files never move old cases). Training adds an accent-"
        "stripped copy of every accented training case."
        + (" The test-split scores below are those of the recipe fitted without the test "
           "split; the shipped model is the same recipe fitted again on every case."
           if m["config"].get("refit_all") else ""),
        "",
        _table(["code", "name", "cases"], rows),
    ])


def _headline(m: dict[str, Any]) -> str:
    t = m["test"]
    aw, st, ac = t["as_written"], t["stripped"], t["accented_only"]
    rows = [["topic macro-F1", _pct(aw["topic"]["macro_f1"]), _pct(st["topic"]["macro_f1"]),
             _pct(ac["topic"]["macro_f1"])],
            ["topic accuracy", _pct(aw["topic"]["accuracy"]), _pct(st["topic"]["accuracy"]),
             _pct(ac["topic"]["accuracy"])]]
    for f in FLAGS:
        rows.append([f"{f} F1", _pct(aw["flags"][f]["f1"]), _pct(st["flags"][f]["f1"]),
                     _pct(ac["flags"][f]["f1"])])
    rows.append(["share routed without review", _pct(aw["review"]["auto_share"]),
                 _pct(st["review"]["auto_share"]), _pct(ac["review"]["auto_share"])])
    rows.append(["precision of that share (topic and flags exact)",
                 _pct(aw["review"]["auto_exact_precision"]),
                 _pct(st["review"]["auto_exact_precision"]),
                 _pct(ac["review"]["auto_exact_precision"])])
    return _table(["test split (%)", f"as written (n={aw['n']})",
                   "diacritics stripped", f"accented cases only (n={ac['n']})"], rows)


def _per_class(m: dict[str, Any]) -> str:
    aw = m["test"]["as_written"]
    rows = [[t, _pct(v["precision"]), _pct(v["recall"]), _pct(v["f1"]), v["support"]]
            for t, v in aw["topic"]["per_class"].items()]
    rows += [[f, _pct(v["precision"]), _pct(v["recall"]), _pct(v["f1"]), v["support"]]
             for f, v in aw["flags"].items()]
    return _table(["label", "precision", "recall", "F1", "support"], rows)


def _confusion(m: dict[str, Any]) -> str:
    codes = list(TOPICS)
    short = [str(i + 1) for i in range(len(codes))]
    matrix = m["test"]["as_written"]["topic"]["confusion"]
    rows = [[f"{i + 1} {c}", *matrix[i]] for i, c in enumerate(codes)]
    return ("Rows: true topic; columns: predicted (same numbering).\n\n"
            + _table(["true \\ predicted", *short], rows))


def _features(m: dict[str, Any]) -> str:
    comp = m["features"]["comparison"]
    if not comp:
        return f"Chosen: `{m['features']['chosen']}` ({m['features']['why']})."
    rows = [[name, _pct(v["topic_macro_f1"]), _pct(v["topic_macro_f1_stripped"]),
             *[_pct(v[f"{f}_f1"]) for f in FLAGS], _pct(v["mean"]), v["n_features"],
             v["ms_per_complaint"]] for name, v in comp.items()]
    return "\n".join([
        "NB-SVM per output on each feature set, uncalibrated, every output cut at decision "
        "0; fixed test split (%). `raw`: "
        "syllable 1-2-grams and character 2-5-grams (within words) of the normalised text, "
        "accented and accent-stripped; `seg`: word 1-2-grams of underthesea-segmented text, "
        "accented and stripped; `union`: both; `raw, plain LinearSVC`: the `raw` features "
        "without NB scaling. ms/complaint = CPU time of normalisation + features during "
        "training (bench/results.md has the full pipeline on its own).",
        "",
        _table(["features", "topic F1", "topic F1 stripped",
                *[f"{f} F1" for f in FLAGS], "mean", "features", "ms/complaint"], rows),
        "",
        f"Chosen: **`{m['features']['chosen']}`**: {m['features']['why']}.",
    ])


def _unseen(m: dict[str, Any]) -> str:
    u = m.get("unseen_source")
    if not u:
        return "Not run (no source covers enough topics)."
    aw, st = u["as_written"], u["stripped"]
    rows = [["topic macro-F1", _pct(aw["topic"]["macro_f1"]), _pct(st["topic"]["macro_f1"])],
            ["topic accuracy", _pct(aw["topic"]["accuracy"]), _pct(st["topic"]["accuracy"])]]
    rows += [[f"{f} F1", _pct(aw["flags"][f]["f1"]), _pct(st["flags"][f]["f1"])] for f in FLAGS]
    rows.append(["precision without review (exact)", _pct(aw["review"]["auto_exact_precision"]),
                 _pct(st["review"]["auto_exact_precision"])])
    return "\n".join([
        f"Most corpus authors wrote a few topics each, so the random test split lets a "
        f"model use an author's style. Source `{u['source']}` ({u['cases']} cases spread "
        f"over many topics, owning none) was held out entirely; the same recipe was "
        f"refitted on the other {u['training_cases']} training rows and scored on all "
        "its cases (%). This is closer to complaints the project has not seen.", "",
        _table(["unseen writer", "as written", "diacritics stripped"], rows),
    ])


def _models(m: dict[str, Any]) -> str:
    cal, cfg = m["calibration"], m["config"]
    return (
        "NB-SVM (Wang & Manning 2012): one LinearSVC per output on features scaled by their "
        "naive-Bayes log-count ratio, 17 topics one-vs-rest (C={c_topic}) and one per flag "
        "(C={c_flag}); the scaling is folded into the weights. Each flag's decision mixes "
        "NB-SVM with a plain LinearSVC, the NB share chosen by out-of-fold F1 ({mix}). "
        "Topic probabilities: softmax of the decisions with one temperature; flag "
        "probabilities: a Platt sigmoid each; both fitted on {folds}-fold out-of-fold "
        "decisions (a case and its stripped copy share a fold). A flag is "
        "raised at its threshold ({flags}). A complaint is routed without review when its "
        "joint confidence (topic probability x certainty of each flag decision) is at least "
        "**{thr}**: the lowest value at which out-of-fold cases at or above it were fully "
        "right (topic and flags) {target}% of the time (out of fold: {share}% routed, "
        "{prec}% exact). Where real complaints were at hand, the scaling and both "
        "thresholds were then fitted again on them (section above).".format(
            c_topic=cfg["c_topic"], c_flag=cfg["c_flag"], folds=cfg["folds"],
            flags=", ".join(f"{k} {v}" for k, v in cal["flag_thresholds"].items()),
            mix=", ".join(f"{k} {v}" for k, v in cal.get("flag_nb_share", {}).items()),
            thr=cal["review_threshold"], target=int(100 * cfg["target_precision"]),
            share=_pct(cal["oof_auto_share"]), prec=_pct(cal["oof_auto_exact_precision"]))
    )


def _heldout(m: dict[str, Any]) -> str:
    h = m.get("heldout_set")
    if not h:
        return "No held-out set (data/eval) was found."
    rows = [
        ["topic macro-F1", _pct(h["as_written"]["topic"]["macro_f1"]),
         _pct(h["stripped"]["topic"]["macro_f1"])],
        ["topic accuracy", _pct(h["as_written"]["topic"]["accuracy"]),
         _pct(h["stripped"]["topic"]["accuracy"])],
    ] + [[f"{flag} F1", _pct(h["as_written"]["flags"][flag]["f1"]),
          _pct(h["stripped"]["flags"][flag]["f1"])] for flag in FLAGS]
    return (f"{h['cases']} complaints in `data/eval/`, written separately from the corpus "
            "(fresh situations and phrasing, in the style of published complaints) and never "
            "used for training or threshold choice (%).\n\n"
            + _table(["held-out set", "as written", "diacritics stripped"], rows))


def _real_rows(f: dict[str, Any]) -> list[str]:
    flags = f["flags"]
    return [str(f["n"]), _pct(f["topic"]["macro_f1"]), _pct(f["topic"]["accuracy"]),
            *[_pct(flags[x]["f1"]) for x in FLAGS], _pct(f["review"]["share"]),
            _pct(f["review"]["auto_exact_precision"])]


def _real(m: dict[str, Any]) -> str:
    real = m.get("real") or {}
    if not real:
        return "No real complaints were given to this training."
    header = ["real complaints (%)", "n", "topic macro-F1", "topic accuracy",
              *[f"{f} F1" for f in FLAGS], "sent to review", "exact precision of the rest"]
    rows = []
    if real.get("yardstick"):
        rows.append(["yardstick (`--calibrate-on`; calibration cross-validated, never "
                     "trained on)", *_real_rows(real["yardstick"])])
    if real.get("real_training"):
        rows.append(["the province's own complaints (trained on; out of fold)",
                     *_real_rows(real["real_training"])])
    thresholds = real["thresholds"]
    lines = [
        f"Probabilities, flag thresholds and the review threshold were fitted on: "
        f"**{real['calibration_source']}**. Flag thresholds: "
        + ", ".join(f"{k} {v}" for k, v in thresholds["flags"].items())
        + f"; review threshold (joint confidence): {thresholds['review']}"
        + (f", fitted to {real['review_fitted_to']:.0%} exact on them so that out of fold "
           f"(cross-validated) what is routed is right at least 95% of the time."
           if real.get("review_fitted_to") else "."),
    ]
    if rows:
        lines += ["", _table(header, rows)]
    if real.get("judge"):
        j = real["judge"]
        lines += ["", f"Promotion judge on real complaints ({j['mode']}, n={j['n']}): mean of "
                  f"topic accuracy and flag exact match {j['candidate']} (this model) vs "
                  f"{j['current']} (the model it was compared with)."]
    return "\n".join(lines)


def render(m: dict[str, Any]) -> str:
    return "\n\n".join([
        "# Model card: topic and flags of 1022 complaints",
        f"- Version: `{m['version']}`\n- Trained: {m['trained_at']} in "
        f"{m['training_seconds']} s\n- Artifact: `model.json` + `model.npz` (+ `restore.json`, "
        f"the diacritics restorer; plain data, no pickle; SHA-256 in `SHA256SUMS`, checked "
        f"on load), {m['artifact_bytes']} bytes; "
        f"{m['n_features']} features.\n- Promotion: {m['promotion']['reason']}.",
        "## Real complaints", _real(m),
        "## Models",
        _models(m),
        "## Data", _data(m),
        "## Scores on the test split", _headline(m),
        "## Per label (as written)", _per_class(m),
        "## Topic confusion matrix (as written)", _confusion(m),
        "## A writer the model never saw", _unseen(m),
        "## Held-out set", _heldout(m),
        "## Feature comparison", _features(m),
        "## Limits",
        "The corpus is written by the project to resemble 1022 calls; the figure that "
        "matters is on real complaints the project has not seen. Test-split scores are "
        "optimistic for new phrasings: most corpus authors wrote a few topics each, so style "
        "and topic go together. Conduct (thai_do) depends most on who wrote the case and "
        "whether the staff are public servants; it is the least stable label on an unseen "
        "writer (table above). Texts longer than 3,000 characters are classified on "
        "their first 3,000. Language detection is a syllable-shape heuristic (underthesea's "
        "fastText detector needs a download unavailable offline).",
    ]) + "\n"
