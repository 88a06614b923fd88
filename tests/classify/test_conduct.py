"""Conduct kinds: the shipped model plus the cue file read a thai_do complaint's kinds, with
and without diacritics, each with its cue; only thai_do complaints are read; the
hand-written evaluation set scores F1 >= 0.80 per kind and shares no text with training."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from triage.classify.conduct import (
    KINDS,
    ConductReader,
    conduct_kinds,
    get_conduct_reader,
    kinds_for_labels,
    load_cues,
    match_cues,
    reset_conduct_cache,
)
from triage.classify.conduct_train import (
    EVAL_PATH,
    EXTRA_DIR,
    STAGED_DIR,
    cases_of,
    labelled,
    read_eval,
    scores,
)
from triage.classify.corpus import Example, data_hash, load_corpus, overlaps, split
from triage.classify.model import Classifier, get_classifier
from triage.classify.urgency_train import labelled as urgency_labelled
from triage.settings import get_settings
from triage.text.normalize import normalize, strip_accents
from triage.understand.answer import result_for
from triage.understand.service import understand

CLEAR = [
    ("Cán bộ một cửa quát tháo, xưng mày tao với người dân đến làm giấy khai sinh.",
     {"thieu_ton_trong"}),
    ("Hồ sơ xin phép xây dựng bị trả về bốn lần, mỗi lần bắt bổ sung một loại giấy không có "
     "trong quy định, hết phòng này chỉ sang phòng khác.", {"gay_kho_de"}),
    ("Cán bộ địa chính xã gợi ý phải bồi dưỡng 2 triệu thì sổ đỏ mới ra nhanh.",
     {"nhung_nhieu"}),
    ("Chín giờ sáng thứ Ba phòng một cửa xã vẫn khóa cửa, cán bộ vắng mặt, gọi không ai "
     "nghe máy.", {"vo_trach_nhiem"}),
    ("Cán bộ tư pháp yêu cầu bổ sung giấy tờ ba lần, rồi nói muốn nhanh thì gửi tiền cà phê "
     "cho anh em.", {"gay_kho_de", "nhung_nhieu"}),
    ("Tôi nộp đơn mà cán bộ không nhận, không nêu lý do bằng văn bản, chỉ nói về đi.",
     {"gay_kho_de"}),
    ("Mười giờ sáng mà anh cán bộ địa chính còn ngồi chơi game trên điện thoại, dân đứng chờ "
     "không ai tiếp.", {"vo_trach_nhiem"}),
    ("Báo cống vỡ cả tháng, cán bộ phường hứa xuống mà không ai tới, gọi thì không bắt máy.",
     {"vo_trach_nhiem"}),
    # Praise that speaks of phones and late hours is none of the four kinds.
    ("Cảm ơn anh cán bộ xã tối khuya vẫn nghe điện thoại, sáng sớm đã xuống tận nhà giúp "
     "bà con.", set()),
]


@pytest.mark.parametrize(("text", "kinds"), CLEAR)
@pytest.mark.parametrize("accents", [True, False])
def test_clear_cases_get_their_kinds_with_or_without_diacritics(
        text: str, kinds: set[str], accents: bool) -> None:
    found = get_conduct_reader().read(text if accents else strip_accents(text))
    assert {k.kind for k in found} == kinds
    assert all(0 < k.score <= 1 and k.cue for k in found)
    assert [k.kind for k in found] == [k for k in KINDS if k in kinds]  # in KINDS order


def test_a_cue_names_its_phrase_and_adds_a_kind_the_model_missed() -> None:
    model = Classifier.load(Path(get_settings().conduct_model_dir))
    text = "Cán bộ xã nói chuyện với dân, đòi tiền chung chi mới ký giấy"
    with_cues = ConductReader(model, load_cues()).read(text)
    cue = next(k for k in with_cues if k.kind == "nhung_nhieu")
    assert cue.cue.startswith("Cụm từ “đòi tiền”")
    no_model = ConductReader(None, load_cues()).read("can bo tiep dan hach dich, quat thao")
    assert [(k.kind, k.score) for k in no_model] == [("thieu_ton_trong", 1.0)]
    assert no_model[0].cue.startswith("Cụm từ")


def test_a_negated_cue_does_not_count_but_otherwise_does() -> None:
    cues = load_cues()
    praise = normalize("Chị cán bộ rất tận tình, không hề hách dịch với người già.").stripped
    assert "thieu_ton_trong" not in match_cues(praise, cues)
    # "không thì" is "otherwise": the cue after it counts.
    text = normalize("Đưa tiền thì có ngay, không thì bắt bổ sung hoài.").stripped
    assert "gay_kho_de" in match_cues(text, cues)


def test_a_cue_typed_with_other_diacritics_is_another_word() -> None:
    """"nhưng nhiều" ("but many") strips to the cue "nhũng nhiễu": typed with its own
    diacritics it is not the cue; typed without diacritics it still is."""
    cues = load_cues()
    press = normalize("Giờ làm bắt đầu lúc 7 giờ, thế nhưng nhiều công chức vẫn ngồi quán.")
    assert "nhung_nhieu" not in match_cues(press.stripped, cues, press.accented)
    for text in ("Cán bộ xã nhũng nhiễu người dân.", "can bo xa nhung nhieu nguoi dan"):
        norm = normalize(text)
        assert match_cues(norm.stripped, cues, norm.accented)["nhung_nhieu"].phrase == \
            "nhũng nhiễu"
    reader = ConductReader(None, cues)
    assert "nhung_nhieu" not in {k.kind for k in reader.read(
        "Thế nhưng nhiều hôm tới 9 giờ bàn một cửa vẫn trống, không ai trực.")}


def test_a_twin_cue_typed_without_diacritics_reads_from_its_neighbours() -> None:
    """Without diacritics "nhung nhieu" is also "nhưng nhiều" ("but many"): after "thế",
    "mà", "song" or before a stretch of time or a count it is that, elsewhere the cue."""
    cues = load_cues()
    for text in ("the nhung nhieu gio sau do cong chuc van ngoi quan ca phe",
                 "Toi nop du giay to roi, nhung nhieu lan len hoi deu bi bao thieu",
                 "Can bo hua xuong xem, song nhung nhieu tuan troi qua khong ai xuong"):
        norm = normalize(text)
        assert "nhung_nhieu" not in match_cues(norm.stripped, cues, norm.accented), text
    for text in ("can bo xa nhung nhieu nguoi dan den lam giay to",
                 "bi can bo phuong nhung nhieu hoai", "thai do hach dich, nhung nhieu dan",
                 "Cán bộ xã nhũng nhiễu nhiều năm nay, ai cũng biết."):
        norm = normalize(text)
        assert match_cues(norm.stripped, cues, norm.accented)["nhung_nhieu"].phrase == \
            "nhũng nhiễu", text


def test_lateness_brush_off_and_hinted_money_cues_with_or_without_diacritics() -> None:
    cues = load_cues()
    for text, kind in (("Cán bộ phường đi làm trễ gần một tiếng.", "vo_trach_nhiem"),
                       ("anh ta cuoi khay roi quay di", "thieu_ton_trong"),
                       ("Nhân viên tổng đài dập máy ngang khi tôi hỏi.", "thieu_ton_trong"),
                       ("can bo goi y gui tien uong nuoc moi ky", "nhung_nhieu")):
        for typed in (text, strip_accents(text)):
            norm = normalize(typed)
            assert kind in match_cues(norm.stripped, cues, norm.accented), typed
    # "cán bộ trực" (the officer on duty) strips to "can bo truc": no cue reads it as absent.
    for typed in ("Cán bộ trực gợi ý gửi chút tiền thì được gặp lâu hơn.",
                  "can bo truc goi y gui chut tien thi duoc gap lau hon"):
        norm = normalize(typed)
        assert "vo_trach_nhiem" not in match_cues(norm.stripped, cues, norm.accented), typed


def test_a_cue_starting_with_khong_also_reads_chang_and_cha() -> None:
    cues = load_cues()
    for typed in ("Gọi đường dây nóng ba lần chẳng ai bắt máy.",
                  "goi duong day nong ba lan chang ai bat may",
                  "bac si chang de tam gi den benh nhan", "Cô y tá chả để tâm gì tới cháu."):
        norm = normalize(typed)
        found = match_cues(norm.stripped, cues, norm.accented)
        assert "vo_trach_nhiem" in found, typed
        assert not found["vo_trach_nhiem"].phrase.startswith("không"), typed
    # Only the first word is replaced: a cue with "không" further in keeps it.
    assert not any(c.phrase == "giấy tờ chẳng cần thiết" for c in cues)
    # Typed bare with an abbreviation ("k", "ko" are read as "không", with its diacritics):
    # the other words typed bare still match the cue; "nhưng nhiều" typed so does not.
    for typed in ("cb xa k ai bat may ca buoi sang", "ho so nop r ma ko ai truc"):
        norm = normalize(typed)
        assert "vo_trach_nhiem" in match_cues(norm.stripped, cues, norm.accented), typed
    norm = normalize("ko phai vi thế nhưng nhiều người bức xúc")
    assert "nhung_nhieu" not in match_cues(norm.stripped, cues, norm.accented)
    # A lost dossier is neglect, whoever lost it.
    for typed in ("Lên xã hỏi thì được bảo hồ sơ bị thất lạc.", "can bo lam that lac giay to"):
        norm = normalize(typed)
        assert "vo_trach_nhiem" in match_cues(norm.stripped, cues, norm.accented), typed


def test_kinds_are_read_only_for_thai_do() -> None:
    text = CLEAR[2][0]
    assert conduct_kinds(text, []) == []
    assert conduct_kinds(text, ["tre_han"]) == []
    assert [k.kind for k in conduct_kinds(text, ["thai_do"])] == ["nhung_nhieu"]
    # Flags a person set: the kinds follow thai_do, with no classifier at all.
    assert understand(text, flags=["tre_han"]).conduct_kinds == ()
    assert [k.kind for k in understand(text, flags=["thai_do"]).conduct_kinds] == \
        ["nhung_nhieu"]
    # Stored kinds after a person's labels: dropped without thai_do, kept, or read anew.
    kept = [{"kind": "gay_kho_de", "score": 0.9, "cue": "x"}]
    assert kinds_for_labels(text, ["tre_han"], kept) is None
    assert kinds_for_labels(text, ["thai_do"], kept) == kept
    assert [d["kind"] for d in kinds_for_labels(text, ["thai_do"], None) or []] == \
        ["nhung_nhieu"]


def test_result_for_answers_conduct_kinds_with_the_classifier_flag() -> None:
    rude = result_for("Cán bộ phường quát tháo, chửi bới người dân đến làm thủ tục, "
                      "thái độ hách dịch.", get_classifier())
    assert "thai_do" in rude["flags"]
    assert [k["kind"] for k in rude["conduct_kinds"]] == ["thieu_ton_trong"]
    assert set(rude["conduct_kinds"][0]) == {"kind", "score", "cue"}
    plain = result_for("Đèn đường hẻm 12 hư mấy tuần nay, tối đi lại khó", get_classifier())
    assert plain["conduct_kinds"] == []


def test_without_an_artifact_the_cues_still_read(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_CONDUCT_MODEL_DIR", str(tmp_path))
    get_settings.cache_clear()
    reset_conduct_cache()
    try:
        reader = get_conduct_reader()
        assert reader.model is None and reader.version == "cues-only"
        assert [k.kind for k in reader.read("cán bộ đòi phong bì")] == ["nhung_nhieu"]
    finally:
        monkeypatch.delenv("TRIAGE_CONDUCT_MODEL_DIR")
        get_settings.cache_clear()
        reset_conduct_cache()


def test_eval_set_is_large_varied_and_labelled() -> None:
    rows = [json.loads(line) for line in EVAL_PATH.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 240
    for kind in KINDS:
        assert sum(kind in r["kinds"] for r in rows) >= 60, kind
    assert sum(len(r["kinds"]) > 1 for r in rows) >= 30
    assert sum(not r["diacritics"] for r in rows) >= 20
    assert all(r["kinds"] and set(r["kinds"]) <= set(KINDS) for r in rows)


def test_eval_text_is_disjoint_from_training_text() -> None:
    """No evaluation line is (nearly) a line the model was trained on."""
    training = [e.text for e in labelled(get_settings().corpus_dir, STAGED_DIR, EXTRA_DIR)]
    assert overlaps([c.text for c in read_eval()], training, share=0.5) == []


@pytest.mark.parametrize("stripped", [False, True])
def test_eval_set_f1_is_at_least_082_per_kind(stripped: bool) -> None:
    result = scores(get_conduct_reader(), read_eval(), stripped=stripped)
    for kind in KINDS:
        assert result[kind]["f1"] >= 0.82, (kind, result[kind])


@pytest.mark.parametrize("stripped", [False, True])
def test_corpus_test_split_f1_per_kind(stripped: bool) -> None:
    """The corpus's own test cases (never trained on; not the lines of data/conduct/train):
    every kind at 0.79 or better (0.80-0.92 when the model was shipped)."""
    _, test = split(labelled(get_settings().corpus_dir, STAGED_DIR, EXTRA_DIR))
    extra = {e.id for e in labelled(EXTRA_DIR)}
    cases = cases_of([e for e in test if e.id not in extra])
    assert len(cases) >= 450
    result = scores(get_conduct_reader(), cases, stripped=stripped)
    for kind in KINDS:
        assert result[kind]["f1"] >= 0.79, (kind, result[kind])


def test_the_pipeline_stores_the_kinds_of_a_thai_do_complaint(database: str) -> None:
    from triage.db import session_scope, utcnow
    from triage.intake import service as intake
    from triage.intake.schemas import ComplaintIn
    from triage.pipeline import tasks
    from triage.tickets.models import Ticket

    texts = ["Cán bộ một cửa phường Mỹ Phú quát tháo, chửi bới người dân, thái độ hách dịch.",
             "Đèn đường ở ấp 3 xã Mỹ Hiệp bị hư cả tuần nay, ban đêm tối om."]
    ids = []
    with session_scope() as s:
        for text in texts:
            ids.append(intake.submit(s, ComplaintIn(text=text, channel="web"), actor="test",
                                     now=utcnow()).ticket.id)
    for ticket_id in ids:
        tasks.process_ticket(ticket_id)
    with session_scope() as s:
        rude, plain = (s.get_one(Ticket, i) for i in ids)
        assert "thai_do" in rude.flags
        assert [k["kind"] for k in rude.conduct_kinds or []] == ["thieu_ton_trong"]
        assert rude.conduct_kinds and rude.conduct_kinds[0]["cue"]
        assert plain.conduct_kinds is None
        # Staff ticket JSON carries them too.
        from triage.tickets.present import ticket_out
        assert [k.kind for k in ticket_out(rude).conduct_kinds] == ["thieu_ton_trong"]
        assert ticket_out(plain).conduct_kinds == []


def test_a_person_setting_thai_do_in_review_gets_the_kinds_read(database: str) -> None:
    from tests.factories.tickets import AGENCY_B, make_ticket
    from triage.db import session_scope, utcnow
    from triage.review.service import Labels, route
    from triage.tickets.models import Ticket

    text = "Cán bộ địa chính xã gợi ý phải bồi dưỡng 2 triệu thì sổ đỏ mới ra nhanh."
    code = make_ticket(topic="dat_dai", flags=[], text=text)
    with session_scope() as s:
        ticket = s.query(Ticket).filter_by(code=code).one()
        assert ticket.conduct_kinds is None
        route(s, ticket, Labels(flags=["thai_do"], agency_code=AGENCY_B), actor="op",
              now=utcnow())
        assert [k["kind"] for k in ticket.conduct_kinds or []] == ["nhung_nhieu"]


def test_evaluate_conduct_scores_a_labelled_file_as_written_and_stripped(
        tmp_path: Path) -> None:
    """``triage evaluate-conduct FILE``: per-kind P/R/F1 on any file of text and kinds."""
    import typer
    from typer.testing import CliRunner

    from triage.understand.cli import evaluate_conduct

    path = tmp_path / "real.jsonl"
    rows = [{"text": text, "kinds": sorted(kinds)} for text, kinds in CLEAR[:4]]
    rows.append({"text": "Cán bộ xã tận tình, chu đáo, tôi rất hài lòng.", "kinds": []})
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    app = typer.Typer()
    app.command()(evaluate_conduct)
    app.command("noop")(lambda: None)
    runner = CliRunner()
    result = runner.invoke(app, ["evaluate-conduct", str(path), "--json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output)
    expected = scores(get_conduct_reader(), read_eval(path))
    assert metrics["written"] == expected
    assert metrics["written"]["cases"] == 5
    assert metrics["written"]["nhung_nhieu"]["support"] == 1
    assert metrics["stripped"] == scores(get_conduct_reader(), read_eval(path), stripped=True)
    text = runner.invoke(app, ["evaluate-conduct", str(path)])
    assert text.exit_code == 0 and "vo_trach_nhiem" in text.output and "bỏ dấu" in text.output
    missing = runner.invoke(app, ["evaluate-conduct", str(tmp_path / "none.jsonl")])
    assert missing.exit_code == 1


def test_a_complaint_with_no_kind_over_its_threshold_keeps_its_likeliest_over_the_floor(
        ) -> None:
    """The fill floor: with every threshold out of reach, a complaint gets its most likely
    kind (one) when that kind scores at least the floor, none without a floor, and nothing
    is added beside a cue's kind."""
    import copy

    shipped = get_conduct_reader().model
    assert shipped is not None and "fill_floor" in shipped.meta

    def reader(floor: float | None, cues: tuple = ()) -> ConductReader:
        model = copy.copy(shipped)
        model.meta = {**shipped.meta, "fill_floor": floor}
        model.flag_thresholds = np.full(len(KINDS), 0.999, dtype=np.float32)
        return ConductReader(model, cues)

    text = ("Muốn hồ sơ đi nhanh thì phải gửi anh cán bộ địa chính ba triệu, "
            "không gửi thì cứ nằm đó.")
    kinds = reader(0.0).read(text)
    assert [k.kind for k in kinds] == ["nhung_nhieu"] and kinds[0].score < 0.999
    assert kinds[0].cue.startswith("Mô hình")
    assert reader(None).read(text) == []
    assert reader(0.9999).read(text) == []
    cued = reader(0.0, load_cues()).read("Cán bộ xã quát tháo người dân đến nộp đơn.")
    assert [k.kind for k in cued] == ["thieu_ton_trong"]
    assert cued[0].cue.startswith("Cụm từ")


def test_lines_of_two_folders_sharing_an_id_are_both_kept(tmp_path: Path) -> None:
    # data/corpus/r15 and data/corpus-staged/r15 were written by two writers with one
    # numbering: the staged line must not be dropped as a copy of the corpus line.
    def line(text: str, kinds: list[str], case_id: str = "r15-0001") -> str:
        return json.dumps({"id": case_id, "text": text, "topic": "khac",
                           "flags": ["thai_do"], "conduct_kinds": kinds}, ensure_ascii=False)

    first, second = tmp_path / "corpus", tmp_path / "staged"
    first.mkdir()
    second.mkdir()
    (first / "r15-01.jsonl").write_text(
        line("Cán bộ xã quát tháo người dân giữa hội trường.", ["thieu_ton_trong"]) + "\n",
        encoding="utf-8")
    (second / "r15-01.jsonl").write_text(
        line("Hồ sơ nằm trong ngăn kéo cán bộ địa chính suốt ba năm.", ["vo_trach_nhiem"])
        + "\n" + line("Cán bộ xã quát tháo người dân giữa hội trường.", ["gay_kho_de"],
                       "r15-0002") + "\n",
        encoding="utf-8")
    got = labelled(first, second)  # a copied text is still kept once
    assert [(e.id, e.conduct_kinds) for e in got] == [
        ("r15-0001", ("thieu_ton_trong",)), ("staged/r15-0001", ("vo_trach_nhiem",))]


def test_a_change_of_conduct_or_urgency_labels_alone_gives_another_data_hash() -> None:
    """The conduct and urgency models are named by the data hash: relabelling a line's
    kinds or urgency, text unchanged, must name another model."""
    line = Example("x-1", "Cán bộ xã quát tháo người dân.", "khac", ("thai_do",),
                   conduct_kinds=("thieu_ton_trong",))
    hashes = {data_hash([line]), data_hash([replace(line, conduct_kinds=("gay_kho_de",))]),
              data_hash([replace(line, conduct_kinds=None)]),
              data_hash([replace(line, conduct_kinds=())]),
              data_hash([replace(line, urgency="khan")])}
    assert len(hashes) == 5


def test_staged_rounds_left_out_of_the_conduct_data_are_not_read() -> None:
    """The staged round r18 made the conduct model worse on real complaints: its lines are
    not read, while the staged rounds before it still are."""
    ids = [e.id for e in labelled(STAGED_DIR)]
    assert any(i.startswith("r17-") for i in ids)
    assert not any(i.startswith(("r18-", "r22-")) for i in ids)
    staged = {e.id for e in load_corpus(STAGED_DIR).examples
              if "thai_do" in e.flags and e.conduct_kinds is not None}
    assert any(i.startswith("r18-") for i in staged)  # they are there, with kinds
    assert any(i.startswith("r22-") for i in staged)


def test_topic_only_corpus_lines_are_not_read_by_the_conduct_or_urgency_model() -> None:
    """r23 is in the corpus for its topics only: its conduct lines, with kinds, and its
    urgency labels stay out of those two models."""
    corpus_dir = Path(get_settings().corpus_dir)
    marked = [e for e in load_corpus(corpus_dir).examples if e.topic_only]
    assert any("thai_do" in e.flags and e.conduct_kinds for e in marked)
    assert any(e.urgency for e in marked)
    skipped = {e.id for e in marked}
    assert not skipped & {e.id for e in labelled(corpus_dir)}
    assert not skipped & {e.id for e in urgency_labelled(corpus_dir)}
