import warnings

from sprint.mailout.chart import bars_against_target


def test_the_chart_renders_chinese_labels_without_a_missing_glyph():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = bars_against_target(["洮北区", "镇赉县"], [420, 300], [410, None],
                                  "外出务工人数与去年对比", "本期", "去年")
    assert png.startswith(b"\x89PNG") and len(png) > 5000
