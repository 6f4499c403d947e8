import pytest
import yaml

from sprint.plan import BUNDLED_PLAN, PlanError, load_plan


def test_the_bundled_plan_names_the_seven_county_level_units_and_the_labor_duty(plan):
    counties = plan.owners(plan.duty("labor-ledger"))
    assert [u.name for u in counties] == [
        "洮北区", "镇赉县", "通榆县", "洮南市", "大安市", "白城经济开发区", "查干浩特旅游经济开发区"]
    assert [u.code for u in counties][:5] == ["220802", "220821", "220822", "220881", "220882"]
    duty = plan.duty("labor-ledger")
    assert duty.clause == "6①"
    assert [plan.unit(c).name for c in duty.recipients] == ["市人社局", "市扶贫办"]
    assert plan.unit(plan.leading_group).name == "市脱贫攻坚领导小组"
    assert duty.targets[0].at_least_by_unit["220802"] > 0


def test_every_example_address_is_on_the_reserved_example_domain(plan):
    assert all(u.email.endswith("@example.org") for u in plan.units)
    assert "EXAMPLE ADDRESSES" in BUNDLED_PLAN.read_text(encoding="utf-8")


def _broken(tmp_path, change):
    data = yaml.safe_load(BUNDLED_PLAN.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_recipient_that_is_no_unit_is_named_with_its_key(tmp_path):
    path = _broken(tmp_path, lambda d: d["duties"][0].update(recipients=["srsj", "nobody"]))
    with pytest.raises(PlanError) as e:
        load_plan(path)
    assert "duties.0 (labor-ledger).recipients" in str(e.value)
    assert "'nobody'" in str(e.value)


def test_a_bad_value_is_named_with_its_path_and_problem(tmp_path):
    path = _broken(tmp_path, lambda d: d["duties"][0]["cadence"].update(every_days="two weeks"))
    with pytest.raises(PlanError) as e:
        load_plan(path)
    assert "duties.0.cadence.every_days" in str(e.value)


def test_reminder_offsets_out_of_order_are_refused(tmp_path):
    path = _broken(tmp_path, lambda d: d["duties"][0]["reminders"].update(offsets=[1, -3]))
    with pytest.raises(PlanError, match="duties.0.reminders"):
        load_plan(path)


def test_a_missing_plan_file_is_a_clear_error(tmp_path):
    with pytest.raises(PlanError, match="cannot be read"):
        load_plan(tmp_path / "none.yaml")
