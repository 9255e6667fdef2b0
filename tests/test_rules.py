"""The rules file loads into strict models; mistakes are errors naming their path."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from kaohe.rules.models import (
    DEFAULT_RULES,
    RulesError,
    load_rules,
    read_rules_mapping,
    rules_from_mapping,
)


@pytest.fixture(scope="module")
def mapping() -> dict:
    return read_rules_mapping(DEFAULT_RULES)


def test_shipped_rules_load() -> None:
    rules = load_rules()
    assert rules.period.start.isoformat() == "2021-12-01"
    assert rules.period.end.isoformat() == "2022-11-30"
    assert len(rules.units.roster) == 21
    assert (
        len([u for u in rules.units.roster if rules.group_by_name[u.group].kind == "district"]) == 6
    )


def test_floats_are_read_exactly_as_decimals(mapping: dict) -> None:
    assert mapping["department"]["unadopted"]["cap_share_of_base"] == Decimal("0.30")


def test_every_publication_of_annex1_is_present() -> None:
    rules = load_rules()
    assert len(rules.publications.list) == 26
    by_key = {(p.agency, p.title): p for p in rules.publications.list}
    assert by_key[("中央办公厅", "《专报》")].points == 200
    assert by_key[("国务院办公厅", "国办录用")].forms == {
        "全文录用": 100,
        "组稿录用": 60,
        "采纳例子观点": 30,
    }
    assert by_key[("市委办公室", "《绍兴信息（每日动态）》")].forms == {"通讯": 20, "简讯": 5}
    assert by_key[("局本级", "绍兴人社门户网站")].instruction is None


def test_unknown_key_names_its_path(mapping: dict) -> None:
    m = copy.deepcopy(mapping)
    m["department"]["unadopted"]["cap_share"] = Decimal("0.3")
    with pytest.raises(RulesError, match=r"department\.unadopted\.cap_share.*未知的键"):
        rules_from_mapping(m)


def test_missing_value_names_its_path(mapping: dict) -> None:
    m = copy.deepcopy(mapping)
    del m["district"]["submissions"]["task"]
    with pytest.raises(RulesError, match=r"district\.submissions\.task.*缺少"):
        rules_from_mapping(m)


@pytest.mark.parametrize("bad", ["20", 20.5, True, None])
def test_wrong_type_names_its_path(mapping: dict, bad: object) -> None:
    m = copy.deepcopy(mapping)
    m["district"]["submissions"]["task"] = bad
    with pytest.raises(RulesError, match=r"district\.submissions\.task"):
        rules_from_mapping(m)


def test_points_with_three_decimals_are_refused(mapping: dict) -> None:
    m = copy.deepcopy(mapping)
    m["department"]["extra"]["city"] = Decimal("10.125")
    with pytest.raises(RulesError, match=r"department\.extra\.city.*两位小数"):
        rules_from_mapping(m)


def test_unknown_choice_is_refused(mapping: dict) -> None:
    m = copy.deepcopy(mapping)
    m["outcomes"]["department_adjustment"]["rounding"]["choice"] = "ceiling"
    with pytest.raises(RulesError, match=r"outcomes\.department_adjustment\.rounding\.choice"):
        rules_from_mapping(m)


def test_unit_in_unknown_group_is_refused(mapping: dict) -> None:
    m = copy.deepcopy(mapping)
    m["units"]["roster"][0]["group"] = "E"
    with pytest.raises(RulesError, match=r"units\.roster\.0\.group"):
        rules_from_mapping(m)


def test_missing_rules_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="找不到规则文件"):
        load_rules(tmp_path / "nope.yaml")


def test_broken_yaml_is_a_clear_error(tmp_path: Path) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text("meta: [unclosed\n", encoding="utf-8")
    with pytest.raises(RulesError, match="不是有效的 YAML"):
        load_rules(p)


def test_every_rule_block_names_its_clause() -> None:
    """Each mapping that holds a number of the measures also names the clause it comes from."""
    data = yaml.safe_load(DEFAULT_RULES.read_text(encoding="utf-8"))

    def walk(node: object, path: str, clause: str | None) -> list[str]:
        missing: list[str] = []
        if isinstance(node, dict):
            clause = node.get("clause", clause)
            for k, v in node.items():
                missing += walk(v, f"{path}.{k}" if path else str(k), clause)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                missing += walk(v, f"{path}.{i}", clause)
        elif isinstance(node, int | float) and not isinstance(node, bool) and clause is None:
            missing.append(path)
        return missing

    assert walk({k: v for k, v in data.items() if k != "meta"}, "", None) == []
