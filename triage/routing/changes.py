"""Admins' changes to the shipped routing data, checked and laid over it.

Two kinds, each kept as a list of entries (triage.routing.overlay stores and versions
them):

- calendar: province days, ``{"date": "2026-12-10", "kind": "off" | "work", "note":
  "..."}``: a day off (a storm, a late-announced swap day) or a make-up working day. They
  win over data/routing/calendar.csv and the national holidays.
- rules: ``{"action": "replace" | "disable" | "add", "id": ..., "rule": {columns of
  rules.csv}, "before": id}``: a shipped rule replaced in its place or turned off, or a
  new rule put before another one (before the catch-all when none is named). A change
  that names a rule a later release no longer ships is ignored (and shown as such).

Every entry is checked the way a reviewer checks rules.csv: known topics, flags and
agencies, a target that fits the condition, a reason with only the known placeholders,
and a table that still ends with a catch-all. Messages are Vietnamese (shown to admins).
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Any

from triage.agencies.directory import Directory
from triage.routing.rules import COLUMNS, REVIEW, Rule, check_rules, rule_from_row
from triage.taxonomy import FLAGS, TOPICS

DAY_KINDS = {"off": "Nghỉ", "work": "Làm bù"}
ACTIONS = {"replace": "Sửa", "disable": "Tắt", "add": "Thêm"}
REQUIRES = ("", "mention", "desk_mention", "commune", "ambiguous_place")
TARGET_OF = {"mention": "@mention", "desk_mention": "@mention", "commune": "@commune",
             "ambiguous_place": REVIEW}
PLACEHOLDERS = {"agency", "place", "topic", "matched", "candidates"}
REGIONS = ("dongthap", "tiengiang")
RULE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
NOTE_CHARS, REASON_CHARS, PHRASE_CHARS = 200, 300, 1000


class ChangeError(ValueError):
    """A change an admin asked for that cannot be made; the message says why."""


@dataclass(frozen=True)
class DayChange:
    day: date
    kind: str  # off | work
    note: str

    def as_entry(self) -> dict[str, str]:
        return {"date": self.day.isoformat(), "kind": self.kind, "note": self.note}


def day_change(raw: Mapping[str, Any]) -> DayChange:
    try:
        day = date.fromisoformat(str(raw.get("date", "")).strip())
    except ValueError:
        raise ChangeError("Ngày phải có dạng năm-tháng-ngày (YYYY-MM-DD).") from None
    if not 2000 <= day.year <= 2100:
        raise ChangeError("Ngày nằm ngoài khoảng năm 2000–2100.")
    kind = str(raw.get("kind", "")).strip()
    if kind not in DAY_KINDS:
        raise ChangeError("Loại ngày phải là «Nghỉ» hoặc «Làm bù».")
    note = " ".join(str(raw.get("note", "")).split())
    if not note:
        raise ChangeError("Hãy ghi lý do (ví dụ: «Nghỉ do bão số 15 theo công điện…»).")
    if len(note) > NOTE_CHARS:
        raise ChangeError(f"Lý do dài quá {NOTE_CHARS} ký tự.")
    return DayChange(day, kind, note)


def day_changes(entries: Iterable[Mapping[str, Any]]) -> list[DayChange]:
    days = sorted((day_change(e) for e in entries), key=lambda d: d.day)
    for first, second in pairwise(days):
        if first.day == second.day:
            raise ChangeError(f"Ngày {first.day:%d/%m/%Y} được khai hai lần.")
    return days


@dataclass(frozen=True)
class RuleChange:
    action: str  # replace | disable | add
    id: str
    rule: Rule | None  # None for disable
    before: str | None = None  # add: the rule it goes before (None: before the catch-all)
    row: tuple[tuple[str, str], ...] = ()  # the columns as the admin typed them

    def as_entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"action": self.action, "id": self.id}
        if self.row:
            entry["rule"] = dict(self.row)
        if self.before:
            entry["before"] = self.before
        return entry


def _check_reason(reason: str) -> None:
    if not reason:
        raise ChangeError("Hãy ghi lý do chuyển (hiện cho tổng đài viên và cơ quan).")
    if len(reason) > REASON_CHARS:
        raise ChangeError(f"Lý do chuyển dài quá {REASON_CHARS} ký tự.")
    try:
        names = {name for _text, name, _spec, _conv in string.Formatter().parse(reason)
                 if name is not None}
    except ValueError:
        raise ChangeError("Lý do chuyển có dấu ngoặc nhọn { } chưa đóng mở đúng.") from None
    unknown = names - PLACEHOLDERS
    if unknown:
        allowed = ", ".join("{" + p + "}" for p in sorted(PLACEHOLDERS))
        raise ChangeError(f"Lý do chuyển chỉ được dùng {allowed}; không có "
                          f"{', '.join('{' + n + '}' for n in sorted(unknown))}.")


def _check_target(rule: Rule, directory: Directory) -> None:
    wanted = TARGET_OF.get(rule.requires)
    if wanted is not None and rule.target != wanted:
        raise ChangeError(f"Với điều kiện này, nơi chuyển phải là {wanted}.")
    if rule.target in ("@mention", "@commune"):
        raise ChangeError("Nơi chuyển @mention, @commune cần điều kiện tương ứng.")
    if rule.target == REVIEW:
        return
    codes = [rule.target.replace("{region}", r) for r in REGIONS] \
        if "{region}" in rule.target else [rule.target]
    missing = [c for c in codes if directory.get(c) is None]
    if missing:
        raise ChangeError(f"Không có cơ quan mã {', '.join(missing)} trong danh bạ.")


def rule_change(raw: Mapping[str, Any], directory: Directory) -> RuleChange:
    """One change, checked on its own (its place in the table is checked by `layer`)."""
    action = str(raw.get("action", "")).strip()
    rule_id = str(raw.get("id", "")).strip()
    if action not in ACTIONS:
        raise ChangeError("Thao tác phải là sửa, tắt hoặc thêm quy tắc.")
    if not RULE_ID.match(rule_id):
        raise ChangeError("Mã quy tắc chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang, gạch "
                          "dưới (tối đa 64 ký tự).")
    if action == "disable":
        return RuleChange(action, rule_id, None)
    fields = raw.get("rule")
    if not isinstance(fields, Mapping):
        raise ChangeError("Thiếu nội dung quy tắc.")
    row = {c: " ".join(str(fields.get(c, "") or "").split()) for c in COLUMNS}
    row["id"] = rule_id
    row["step"] = row["step"] or "9"
    topics = [t for t in row["topics"].split("|") if t.strip() and t.strip() != "*"]
    if unknown := sorted(set(topics) - set(TOPICS)):
        raise ChangeError(f"Lĩnh vực không có trong danh mục: {', '.join(unknown)}.")
    if row["flags"] not in ("", "any", "none", *FLAGS):
        raise ChangeError("Dấu hiệu phải để trống, «any», «none» hoặc một mã dấu hiệu.")
    if row["requires"] not in REQUIRES:
        raise ChangeError("Điều kiện không hợp lệ.")
    if not row["step"].isdigit() or not 1 <= int(row["step"]) <= 9:
        raise ChangeError("Bước phải là số từ 1 đến 9.")
    if len(row["cues"]) > PHRASE_CHARS or len(row["exclude"]) > PHRASE_CHARS:
        raise ChangeError(f"Từ khóa dài quá {PHRASE_CHARS} ký tự.")
    row["confident"] = "1" if row["confident"] in ("1", "true", "on") else "0"
    _check_reason(row["reason"])
    rule = rule_from_row(row)
    _check_target(rule, directory)
    before = str(raw.get("before", "") or "").strip() or None
    if action != "add":
        before = None
    return RuleChange(action, rule_id, rule, before, tuple(row.items()))


def rule_changes(entries: Iterable[Mapping[str, Any]], directory: Directory
                 ) -> list[RuleChange]:
    changes = [rule_change(e, directory) for e in entries]
    seen: set[str] = set()
    for change in changes:
        if change.id in seen:
            raise ChangeError(f"Quy tắc {change.id} được thay đổi hai lần.")
        seen.add(change.id)
    return changes


@dataclass(frozen=True)
class Layered:
    """The rules in force and where each came from: "file", "replace", "add"; the ids
    turned off; changes that name a rule the shipped file no longer has."""

    rules: list[Rule]
    origin: dict[str, str]
    disabled: list[Rule]
    orphans: list[RuleChange]


def layer(shipped: list[Rule], changes: list[RuleChange]) -> Layered:
    """The shipped rules with the changes laid over them; raises ChangeError when the
    result is not a table the router can use."""
    by_id = {r.id: r for r in shipped}
    replaced = {c.id: c.rule for c in changes if c.action == "replace" and c.rule}
    off = {c.id for c in changes if c.action == "disable"}
    orphans = [c for c in changes if c.action in ("replace", "disable") and c.id not in by_id]
    added = [c for c in changes if c.action == "add"]
    clash = [c.id for c in added if c.id in by_id]
    if clash:
        raise ChangeError(f"Đã có quy tắc mã {clash[0]}; hãy chọn mã khác hoặc sửa quy tắc đó.")
    rules: list[Rule] = []
    origin: dict[str, str] = {}
    for rule in shipped:
        if rule.id in off:
            continue
        current = replaced.get(rule.id, rule)
        rules.append(current)
        origin[rule.id] = "replace" if rule.id in replaced else "file"
    for change in added:
        assert change.rule is not None
        ids = [r.id for r in rules]
        at = ids.index(change.before) if change.before in ids else max(0, len(rules) - 1)
        if change.before and change.before not in ids:
            raise ChangeError(f"Không có quy tắc {change.before} đang dùng để đặt trước.")
        rules.insert(at, change.rule)
        origin[change.id] = "add"
    try:
        check_rules(rules)
    except ValueError:
        raise ChangeError("Bảng quy tắc phải còn quy tắc cho địa danh chưa rõ và kết thúc "
                          "bằng một quy tắc áp dụng cho mọi phản ánh (chuyển hàng chờ "
                          "xem xét).") from None
    disabled = [by_id[i] for i in sorted(off) if i in by_id]
    return Layered(rules, origin, disabled, orphans)
