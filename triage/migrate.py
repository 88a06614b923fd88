"""Schema migrations (Alembic) run from code: `triage migrate`, tests and the embedded start."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from triage.settings import get_settings

# What the models do not describe: PostgreSQL's folded search column and the indexes of
# the forgiving-search, search-and-dashboard and word-contexts migrations (PostgreSQL
# only: trigrams, expressions, covering columns). Comparing models with the database
# leaves them out.
UNMODELLED = frozenset({("index", "ix_tickets_search_joined_trgm"),
                        ("index", "ix_tickets_search_contexts"),
                        ("index", "ix_tickets_code_digits_trgm"),
                        ("index", "ix_tickets_code_digits"),
                        ("index", "ix_tickets_received_counts"),
                        ("index", "ix_assignments_due_judged"), ("column", "search_text")})


def include_object(obj: object, name: str | None, type_: str, reflected: bool,
                   compare_to: object) -> bool:
    return not (reflected and compare_to is None and (type_, name) in UNMODELLED)


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "triage:migrations")
    cfg.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    cfg.attributes["url"] = url or get_settings().effective_database_url
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def revision(message: str, url: str | None = None) -> None:
    command.revision(alembic_config(url), message=message, autogenerate=True)


def prepare_embedded() -> None:
    """The embedded default prepares its own SQLite schema; production runs `triage migrate`."""
    if not get_settings().database_url:
        upgrade()
