"""The people and things behind the generated ledgers (households, workers, items, loans,
exits), kept the same across every ledger that names them, and each ledger's rows as they
stand on a given day. Deterministic from a seed."""

from __future__ import annotations

import datetime as dt
import random

import pandas as pd

from sprint.demo import target_rows as dl
from sprint.demo.ledgers import DIVISION, TOWNS, labor_rows, make_id
from sprint.domain.plan import Duty, Plan

STAGES_DAYS = (0, 2, 1, 1, 8, 2)  # days after the previous stage, 公示 lasting 8 days


class World:
    """The people and things behind the ledgers, kept the same across them."""

    def __init__(self, plan: Plan, seed: int):
        self.plan, self.seed = plan, seed
        self.rng = random.Random(seed)
        counties = [u.code for u in plan.owners(plan.duty("labor-ledger"))]
        start = plan.sprint.start
        self.roster = {u: dl.roster_rows(u, 60, seed, start) for u in counties}
        self.credit = {u: (self.rng.randint(80, 160), self.rng.uniform(0.30, 0.55)) for u in counties}
        self.labor = {u: self.rng.randint(200, 700) for u in counties}
        self.exit = {u: self._people_leaving(u) for u in counties}
        self.items = {u.code: self._items(u) for u in plan.owners(plan.duty("rectification-ledger"))}

    def _items(self, unit) -> list[dict]:
        rng = random.Random(f"{self.seed}-items-{unit.code}")
        prefix = unit.code[-3:].upper()
        out = []
        for i in range(rng.randint(4, 12)):
            closes = None if rng.random() < 0.12 else dt.date(2020, 10, 1) + dt.timedelta(
                days=rng.randint(0, 45))
            out.append({"问题编号": f"{prefix}-{i + 1:03d}",
                        "问题来源": rng.choice(["排查发现", "排查发现", "中央巡视反馈", "督查检查"]),
                        "问题类别": rng.choice(["住房安全", "饮水安全", "收入", "义务教育", "基本医疗"]),
                        "closes": closes})
        return out

    def _people_leaving(self, unit: str) -> list[dict]:
        rng = random.Random(f"{self.seed}-exit-{unit}")
        out = []
        for _ in range(rng.randint(8, 16)):
            kind = rng.choices(["ready", "short", "objection", "poor", "late", "members"],
                               [66, 8, 7, 8, 7, 4])[0]
            head = {"乡镇": rng.choice(TOWNS[unit]), "村": "民主村", "户主姓名": dl._name(rng),
                    "户主身份证号": make_id(rng, DIVISION.get(unit, unit), dt.date(2020, 11, 1), 30, 70),
                    "家庭人口": rng.randint(2 if kind == "members" else 1, 5), "kind": kind,
                    "start": dt.date(2020, 11, 2) + dt.timedelta(days=rng.randint(0, 20))}
            head["members"] = self._members(rng, unit, head)
            out.append(head)
        return out

    def _members(self, rng: random.Random, unit: str, head: dict) -> list[dict]:
        """The household's people, the head first; a "members" household has one left out."""
        people = [{"成员姓名": head["户主姓名"], "成员身份证号": head["户主身份证号"], "与户主关系": "户主"}]
        for relation in rng.choices(["配偶", "子女", "子女", "父母", "孙子女"], k=head["家庭人口"] - 1):
            people.append({"成员姓名": head["户主姓名"][0] + dl._name(rng)[1:],
                           "成员身份证号": make_id(rng, DIVISION.get(unit, unit),
                                                 dt.date(2020, 11, 1), 1, 85),
                           "与户主关系": relation})
        return people[:-1] if head["kind"] == "members" and len(people) > 1 else people

    # ── one frame per template, as the unit would send it on `day` ──
    def frame(self, template: str, unit: str, day: dt.date, duty: Duty) -> pd.DataFrame | None:
        maker = getattr(self, f"_{template.replace('-', '_')}", None)
        return maker(unit, day, duty) if maker else None

    def _labor(self, unit, day, duty):
        return labor_rows(unit, self.labor[unit], self.seed + day.toordinal(), day)

    def _rectification(self, unit, day, duty):
        rows = []
        for item in self.items[unit]:
            done = item["closes"] is not None and item["closes"] <= day
            rows.append({"问题编号": item["问题编号"], "问题来源": item["问题来源"],
                         "问题类别": item["问题类别"], "问题描述": "排查发现的问题", "责任单位": "乡镇政府",
                         "整改措施": "按期整改", "整改时限": dt.date(2020, 10, 31),
                         "整改状态": "已完成" if done else ("推进中" if day.month >= 10 else "未启动"),
                         "完成日期": item["closes"] if done else None})
        return pd.DataFrame(rows)

    def _roster(self, unit, day, duty):
        return self.roster.get(unit)

    def _visits(self, unit, day, duty):
        roster = self.roster.get(unit)
        if roster is None:
            return None
        month_end = (day.replace(day=1) - dt.timedelta(days=1))
        visited = int(len(roster) * self.rng.uniform(0.85, 1.0))
        return dl.visit_rows(roster, visited, self.rng.randint(0, 4), month_end.replace(day=15),
                             self.seed + day.toordinal())

    def _credit(self, unit, day, duty):
        n, rate = self.credit[unit]
        rate = min(0.6, rate + 0.03 * (day.month - 10))
        return dl.credit_rows(unit, n, rate, self.seed, day, overdue=self.rng.randint(0, 2))

    def _counters(self, unit, day, duty):
        return dl.counter_rows(unit, self.rng.randint(20, 60), self.rng.randint(1, 3), self.seed, day)

    def _procurement(self, unit, day, duty):
        reserved = self.rng.randint(5, 20) * 10000
        return dl.procurement_rows(unit, reserved, reserved * self.rng.uniform(0.6, 1.2))

    def _solar(self, unit, day, duty):
        return dl.solar_rows(unit, self.rng.randint(10, 40) * 10000, self.rng.uniform(0.7, 0.95))

    # The sector each department of clause 3① repairs, and what finishes a repair of it.
    SECTORS = {"szjj": ("房屋", "拆除重建", "已入住"), "sslj": ("饮水", "改造", "已完工"),
               "sjtj": ("道路", "维修加固", "已完工"), "sgdgs": ("电力", "维修加固", "已完工")}

    def _repairs(self, unit, day, duty):
        """A county's rebuilt houses; a department's repairs of its sector across the counties."""
        rng = random.Random(f"{self.seed}-repairs-{unit}")
        kind, measure, finished = self.SECTORS.get(unit, ("房屋", "拆除重建", "已入住"))
        towns = TOWNS.get(unit) or [t for ts in TOWNS.values() for t in ts]
        rows = []
        for _ in range(rng.randint(3, 8)):
            done_on = dt.date(2020, 10, 10) + dt.timedelta(days=rng.randint(0, 40))
            state = finished if done_on <= day else "施工中"
            rows.append({"乡镇": rng.choice(towns), "村": "受灾村", "设施类型": kind,
                         "措施": measure, "户主姓名": dl._name(rng) if kind == "房屋" else None,
                         "户主身份证号": None, "进度": state,
                         "完成日期": done_on if state == finished else None})
        return pd.DataFrame(rows)

    def _assets(self, unit, day, duty):
        return pd.DataFrame([{"资产名称": f"光伏电站{i}", "资产类别": ["经营性", "公益性", "到户类"][i % 3],
                              "所在村": "民主村", "形成年份": 2016 + i % 4, "资产金额(元)": 100000 + i,
                              "管护主体": "村委会"} for i in range(12)])

    def _contracts(self, unit, day, duty):
        return pd.DataFrame([{"村": "民主村", "经营主体": f"合作社{i}", "带动户数": 10 + i,
                              "合同到期日期": dt.date(2020, 12, 31), "是否重新签订": "是" if i % 5 else "否",
                              "新合同到期日期": dt.date(2025, 12, 31) if i % 5 else None}
                             for i in range(10)])

    def _taskforce(self, unit, day, duty):
        """The task force as clause 7 lists it; one county in five leaves out the bank."""
        kinds = [("分管领导", "县政府", "副县长"), ("扶贫办", "扶贫办", "主任"), ("银保监局", "银保监组", "组长"),
                 ("财政局", "财政局", "副局长"), ("金融办", "金融办", "主任"),
                 ("承办金融机构", "农村信用社", "行长")]
        if random.Random(f"{self.seed}-taskforce-{unit}").random() < 0.2:
            kinds = kinds[:-1]
        return pd.DataFrame([{"姓名": dl._name(self.rng), "单位": org, "职务": title, "成员类别": kind,
                              "专班职务": "组长" if i == 0 else ("副组长" if i == 1 else "成员"),
                              "联系电话": f"13{self.rng.randint(0, 999999999):09d}"}
                             for i, (kind, org, title) in enumerate(kinds)])

    def _completion(self, unit, day, duty):
        return pd.DataFrame([{"事项": duty.title, "完成情况": "已完成", "完成日期": day, "说明": ""}])

    def _exit_households(self, unit, day, duty):
        rows = []
        for h in self.exit.get(unit, []):
            income = 3600 if h["kind"] == "poor" else 5200
            rows.append({k: h[k] for k in ("乡镇", "村", "户主姓名", "户主身份证号", "家庭人口")}
                        | {"年人均纯收入(元)": income, "吃穿不愁": "是", "义务教育保障": "是",
                           "基本医疗保障": "是", "住房安全保障": "是", "饮水安全": "是"})
        return pd.DataFrame(rows)

    def _exit_members(self, unit, day, duty):
        rows = [{"户主身份证号": h["户主身份证号"]} | m
                for h in self.exit.get(unit, []) for m in h["members"]]
        return pd.DataFrame(rows, columns=["户主身份证号", "成员姓名", "成员身份证号", "与户主关系"])

    def _exit_problems(self, unit, day, duty):
        rows = [{"户主身份证号": h["户主身份证号"], "问题编号": f"{unit[-3:]}-E{i}", "存在问题": "医保未缴",
                 "是否整改": "是" if day >= h["start"] else "否",
                 "整改日期": h["start"] - dt.timedelta(days=1) if day >= h["start"] else None}
                for i, h in enumerate(self.exit.get(unit, []))]
        return pd.DataFrame(rows)

    def _exit_stages(self, unit, day, duty):
        stages = duty.procedure.stages
        rows = []
        for h in self.exit.get(unit, []):
            when = h["start"] + (dt.timedelta(days=20) if h["kind"] == "late" else dt.timedelta())
            for i, stage in enumerate(stages):
                when += dt.timedelta(days=STAGES_DAYS[i] if not (h["kind"] == "short" and i == 4) else 5)
                if when > day:
                    break
                objection = h["kind"] == "objection" and stage == "村内公示"
                rows.append({"乡镇": h["乡镇"], "村": h["村"], "户主姓名": h["户主姓名"],
                             "户主身份证号": h["户主身份证号"], "环节": stage, "日期": when,
                             "是否有异议": "是" if objection else "否", "说明": ""})
                if h["kind"] in ("poor", "members") or objection:
                    break
        return pd.DataFrame(rows, columns=["乡镇", "村", "户主姓名", "户主身份证号", "环节", "日期",
                                           "是否有异议", "说明"])
