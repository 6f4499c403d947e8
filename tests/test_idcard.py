import pandas as pd

from sprint.domain.idcard import ages_on, check_digit, mask, problems


def test_check_digits_follow_gb_11643():
    assert check_digit("11010519491231002") == "X"
    assert check_digit("44052418800101001") == "4"


def test_each_bad_id_gets_its_reason_and_good_ones_none():
    ids = pd.Series(["11010519491231002X", "110105194912310021", "22080219901301123X",
                     "99080219900101123X", "2208021990", ""])
    assert problems(ids).tolist() == [
        "",
        "校验码错误（可能有数字录错）",
        "出生日期不是真实的日期",
        "前两位不是有效的省级行政区划代码",
        "应为18位，前17位为数字，最后一位为数字或X",
        "应为18位，前17位为数字，最后一位为数字或X",
    ]


def test_age_counts_whole_years_up_to_the_day():
    ids = pd.Series(["110105195410090010", "110105195410100010"])
    assert ages_on(ids, pd.Timestamp("2020-10-09")).tolist() == [66, 65]


def test_masking_keeps_the_first_six_and_last_four():
    assert mask("11010519491231002X") == "110105********002X"

