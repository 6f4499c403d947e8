import pytest
import yaml

from sprint.domain.plan import BUNDLED_PLAN, PlanError, load_plan


def test_the_bundled_plan_names_the_seven_county_level_units_and_the_labor_duty(plan):
    counties = plan.owners(plan.duty("labor-ledger"))
    assert [u.name for u in counties] == [
        "洮北区", "镇赉县", "通榆县", "洮南市", "大安市", "白城经济开发区", "查干浩特旅游经济开发区"]
    assert [u.code for u in counties][:5] == ["220802", "220821", "220822", "220881", "220882"]
    duty = plan.duty("labor-ledger")
    assert duty.clause == "6①"
    assert [plan.unit(c).name for c in duty.recipients] == ["市人社局", "市扶贫办"]
    assert plan.unit(plan.leading_group).name == "市脱贫攻坚领导小组"
    # "不低于去年": the office gives last year's figures; the plan file invents none.
    assert duty.targets[0].baseline and not duty.targets[0].at_least_by_unit


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


def test_every_deadline_says_where_its_date_comes_from_and_only_the_plans_dates_bind(plan):
    for duty in plan.duties:
        if duty.kind in ("deadline", "event"):
            assert duty.source is not None, duty.id
            assert duty.source.says if duty.source.by == "plan" else duty.source.reason, duty.id
    binding = sorted(d.id for d in plan.duties if d.kind == "deadline" and d.binds)
    assert binding == ["inspection-cleared", "standards-met", "two-summaries"]
    assert not plan.duty("houses-before-freeze").binds  # "上冻前": a date the office set
    assert "上冻前" in plan.duty("houses-before-freeze").source.reason


def _plain(text: str) -> str:
    """Text compared without spaces and with one width of punctuation: the source writes some
    commas and brackets half-width."""
    return text.translate(str.maketrans("，；：（）", ",;:()")).replace(" ", "").replace("\u3000", "")


def test_every_quote_of_the_plan_file_stands_in_the_plans_own_text(plan):
    """Each duty's, target's and date's quoted words are the document's words (白脱贫发〔2020〕13号,
    kept beside the plan file); "……" joins two passages."""
    source = _plain(BUNDLED_PLAN.with_name("baicheng-2020.source.txt").read_text(encoding="utf-8"))
    quotes = [(d.id, d.says) for d in plan.duties]
    quotes += [(t.id, t.says) for d in plan.duties for t in d.targets]
    quotes += [(d.id, d.source.says) for d in plan.duties if d.source and d.source.says]
    quotes.append(("notices", plan.notices.says))
    for where, says in quotes:
        assert says, where
        for part in says.split("……"):
            assert _plain(part) in source, (where, part)


def test_a_rule_naming_a_column_its_ledger_lacks_is_named_with_its_key(tmp_path):
    path = _broken(tmp_path, lambda d: d["duties"][0]["targets"][0]["where"].update({"务工地区": ["省外"]}))
    with pytest.raises(PlanError) as e:
        load_plan(path)
    assert "duties.0 (labor-ledger).targets.0 (migrant-workers): the ledger has no column 务工地区" in str(e.value)


def test_a_date_the_office_sets_must_give_its_reason(tmp_path):
    def change(d):
        d["duties"][[x["id"] for x in d["duties"]].index("asset-register")]["source"] = {"by": "office"}

    with pytest.raises(PlanError, match="gives its 'reason'"):
        load_plan(_broken(tmp_path, change))


def _checks_of(duty_id, change):
    """A change to the `checks` of one duty of the bundled plan."""
    def apply(d):
        change(next(x for x in d["duties"] if x["id"] == duty_id)["checks"])
    return apply


@pytest.mark.parametrize("change, words", [
    (lambda c: c["roster"].update(duty="monitored-rosters"),
     "duties.3 (household-visits).checks.roster.duty: no duty is named 'monitored-rosters'"),
    (lambda c: c["roster"].update(duty="inspection-cleared"),
     "duties.3 (household-visits).checks.roster.duty: 'inspection-cleared' has no ledger"),
    (lambda c: c["roster"].update(key="身份证号"),
     "duties.3 (household-visits).checks.roster: the ledger has no column 身份证号"),
    (lambda c: c["roster"].update(since="纳入日期"),
     "duties.3 (household-visits).checks.roster (monitored-roster): the ledger has no column 纳入日期"),
], ids=["unknown-duty", "duty-without-ledger", "key", "roster-column"])
def test_a_roster_check_must_name_a_ledger_and_its_columns(tmp_path, change, words):
    """The visits' `checks.roster` reads the roster duty's ledger (`duty: monitored-roster`,
    its 户主身份证号 and 纳入监测日期) and the visits' own 户主身份证号 and 走访日期: a duty the
    plan lacks or one with no ledger, or a column either ledger lacks, stops the plan loading
    with the duty and the column named (before, the check was silently skipped at each file)."""
    with pytest.raises(PlanError) as e:
        load_plan(_broken(tmp_path, _checks_of("household-visits", change)))
    assert words in str(e.value)


@pytest.mark.parametrize("rule, words", [
    ({"column": "数量（台）", "below": 0.5}, "the ledger has no column 数量（台）"),
    ({"column": "数量(台)", "where": {"运营情况": ["运营中"]}, "below": 0.5},
     "the ledger has no column 运营情况"),
    ({"column": "数量(台)", "by": "行政村", "below": 0.5}, "the ledger has no column 行政村"),
], ids=["column", "where", "by"])
def test_a_jump_check_must_name_columns_of_its_ledger(tmp_path, rule, words):
    """The counters' `checks.jumps` ("运营台数一月内减半或增至十倍多为填报错误") hold 数量(台) of
    the rows 运营状态 运营中: a column, a `where:` column or a `by:` column the counters ledger
    lacks stops the plan loading, naming the duty, the rule and the column."""
    with pytest.raises(PlanError) as e:
        load_plan(_broken(tmp_path, _checks_of("consumption-counters",
                                                lambda c: c.update(jumps=[rule]))))
    assert f"duties.5 (consumption-counters).checks.jumps.0: {words}" in str(e.value)
