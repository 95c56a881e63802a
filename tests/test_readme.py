"""README's configuration table names every setting every service reads."""

from pathlib import Path

from services.common.settings import ServiceSettings
from services.suite import SERVICES

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def env_names() -> set[str]:
    names = set()
    for info in ServiceSettings.model_fields.values():
        alias = info.validation_alias
        if alias is not None:
            names.update(a for a in alias.choices)
    for entry in SERVICES.values():
        cls = type(entry.settings())
        prefix = cls.model_config["env_prefix"]
        for field in cls.model_fields:
            if field not in ServiceSettings.model_fields or field == "max_body_bytes":
                names.add(f"{prefix}{field.upper()}")
    return names


def test_every_setting_is_in_the_readme_table():
    generic = {"_DATABASE_URL", "_PORT", "_MAX_BODY_BYTES"}  # one `<PREFIX>_...` row each
    missing = sorted(n for n in env_names() if f"`{n}`" not in README and not any(n.endswith(g) for g in generic))
    assert missing == []


def test_the_readme_says_how_screens_are_paired_and_for_how_long():
    from services.identity.devices.domain import PAIRING_TTL

    minutes = int(PAIRING_TTL.total_seconds() // 60)
    assert "#pair=XXXX-XXXX" in README and f"A code lasts {minutes} minutes" in README
    assert "`?key=aicd_…` in a screen's address is ignored in every environment" in README
