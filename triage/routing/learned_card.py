"""The learned agency's model card and its agreement table (one layout for both)."""

from __future__ import annotations

from typing import Any

from triage.settings import get_settings

HEADER = ("| rule | n | rules agree | model agrees | model disagrees | sent to review |\n"
          "| --- | ---: | ---: | ---: | ---: | ---: |")


def _pct(row: dict[str, int], key: str) -> str:
    return f"{row[key] / row['n']:.1%}" if row["n"] else "–"


def table(rules: dict[str, dict[str, int]]) -> str:
    """Markdown rows: rule → n, rules' and model's agreement with the final agency, the
    model's disagreements and how many of them went to review."""
    lines = [HEADER]
    for name, row in rules.items():
        lines.append(f"| {name} | {row['n']} | {_pct(row, 'rules')} | {_pct(row, 'model')} | "
                     f"{row['disagrees']} | {row['review']} |")
    return "\n".join(lines)


def card(m: dict[str, Any]) -> str:
    settings = get_settings()
    held = m["held_out"]["rules"]
    fb = held.get("(fallback)", {"n": 0, "rules": 0, "model": 0})
    current = m["current_model"]
    gate = "no current model" if current is None else \
        f"current {current['version']} agreed {current['agree']:.1%} on the same month"
    return f"""# Model card: the agency, learned

- Version: `{m['version']}`; trained {m['trained_at']} by `{m['command']}`.
- Artifact: `model.json` + `model.npz` (plain data, SHA-256 in `SHA256SUMS`, checked on
  load, `allow_pickle=False`), read by `triage/routing/learned.py`.
- Model: multinomial logistic regression (C={m.get('C', '?')}, no class weights) over
  {m['targets']} targets ("the UBND of the commune named", "the police of that commune",
  "the power company of the place's old province", or a fixed agency), from TF-IDF of
  the text (syllable 1-2-grams as written and accent-stripped) and the facts of the case
  (topic, flags, place status, ward, old district and province, agencies named, the rule
  that fired and its target, topic crossed with place and rule).
- Use: beside the rules, never instead of them. Where the rules fell back (a topic's
  default department or no agency) and the model names another agency with a score of at
  least {settings.agency_model_fallback_score}, or where it names another agency than a
  rule's own choice with at least {settings.agency_model_disagree_score}, the ticket goes
  to review (`agency_model_disagrees`) with the suggestion shown
  (`TRIAGE_AGENCY_MODEL_FALLBACK_SCORE`, `TRIAGE_AGENCY_MODEL_DISAGREE_SCORE`).

## Data

{m['sources']['history']} routed tickets from the database, received {m['months'][0]} to
{m['months'][1]} (final agency: the one that
answered, else the one holding the ticket after acknowledging it) and
{m['sources']['reroutes']} cases written for this project
(`data/routing/reroutes.jsonl`: {m['sources']['reroutes'] - m.get('confirmations', 0)} re-routes
at weak spots of the rules: no place, provincial body against commune, named units; and
{m.get('confirmations', 0)} confirmations: complaints naming no commune that the topic's
default department does handle, so that naming no place is not read as a re-route).
Held out by received month: {m['train_cases']} cases
before {m['held_out_month']} trained on, {m['held_out_cases']} cases of
{m['held_out_month']} never trained on.

## Held-out month: agreement with the final agency, per rule

{table(held)}

On the fallback cases the model agrees with the final agency in {_pct(fb, 'model')} of
cases, the rules in {_pct(fb, 'rules')}. Promotion: {'promoted' if m['promoted'] else
'not promoted'} ({gate}).

## How this artifact was produced

```
{m.get('recipe', m['command'])}
```

## Limits

The history is synthetic (`triage demo-data` assigns agencies at random within habits)
and the re-routes were written by this project, with phrasings repeated across months;
the held-out agreement is an upper bound for real send-backs. Trained on demo history, the
model also learns the generator's habits: it hands every `dien` and `cap_thoat_nuoc`
complaint to the utility, so it disagrees with the commune rules for street lights and
drains (`R3-den-duong`, `R3-ngap-cuc-bo`) and sends such tickets to review when sure; the
re-routes of hamlet lights and drains sent back to the commune weigh against it. Train on
the province's own history before relying on it. The model learns only the agencies it has
seen finally handle a case; a unit that never appears in history is never suggested.
"""
