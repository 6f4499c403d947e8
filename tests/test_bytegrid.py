"""Whole-column arithmetic on fixed-width text, held against Python's own calendar."""

import datetime as dt

import numpy as np
import pyarrow as pa

from sprint.domain.bytegrid import datetimes, grid, real_date


def test_a_date_is_real_exactly_when_the_calendar_has_it():
    """The whole-column date test against Python's calendar, leap years and the century rule
    included, months 0-13 and days 0-32 of 1896-2104."""
    year, month, day = (a.ravel() for a in np.meshgrid(np.arange(1896, 2105), np.arange(14),
                                                         np.arange(33), indexing="ij"))

    def exists(y, m, d):
        try:
            dt.date(int(y), int(m), int(d))
            return True
        except ValueError:
            return False

    expected = np.array([exists(*t) for t in zip(year, month, day, strict=True)])
    assert (real_date(year, month, day) == expected).all()
    assert real_date(np.array([2000, 1900]), np.array([2, 2]), np.array([29, 29])).tolist() == [True, False]


def test_every_day_of_two_centuries_becomes_the_same_datetime_as_numpy_counts_it():
    days = np.arange(np.datetime64("1900-01-01"), np.datetime64("2101-01-01"))
    year = days.astype("datetime64[Y]").astype(int) + 1970
    month = days.astype("datetime64[M]").astype(int) % 12 + 1
    day = (days - days.astype("datetime64[M]")).astype(int) + 1
    assert (datetimes(year, month, day) == days.astype("datetime64[ns]")).all()


def test_a_grid_holds_only_the_cells_of_its_width_whatever_the_array_looks_like():
    cells = pa.array(["2020-10-09", None, "2020-1-9", "２０２０-10-09", "", "1999-12-31"])[1:]
    fits, text = grid(cells, 10)
    assert fits.tolist() == [False, False, False, False, True]
    assert [bytes(row).decode() for row in text] == ["1999-12-31"]
