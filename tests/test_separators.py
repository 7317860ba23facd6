"""The thousands-separator resolver on rows printed in the report."""

from dagster_project.separators import split_row


def test_leading_zero_groups_force_the_split():
    # Tabel 6, Arr. Diksmuide: '082' and '009' can only continue a number.
    split = split_row("6 082 750 637 701 777 1 009".split(), ["count"] * 6)
    assert split.cells == ("6 082", "750", "637", "701", "777", "1 009")
    assert split.alternatives == 1


def test_ambiguous_row_keeps_figures_at_one_magnitude():
    # Tabel 10, WEST-VLAANDEREN: '1 202 1 054 650 …' could also be 1 | 202 | 1 054 650 | …
    split = split_row("1 202 1 054 650 673 717 775".split(), ["count"] * 6)
    assert split.cells == ("1 202", "1 054", "650", "673", "717", "775")
    assert split.alternatives > 1


def test_percentages_and_markers_fill_their_own_columns():
    tokens = "550 360 -- -- -- -- 4 856 3 167 -- -- -- -- 11,3% 11,4% -- -- -- --".split()
    split = split_row(tokens, ["count"] * 12 + ["percent"] * 6)
    assert split.cells[:6] == ("550", "360", "--", "--", "--", "--")
    assert split.cells[6:8] == ("4 856", "3 167")
    assert split.cells[12:14] == ("11,3%", "11,4%")


def test_no_split_when_the_count_cannot_fit():
    assert split_row("1 2 3".split(), ["count"] * 4) is None
    assert split_row(["12,5%"], ["count"]) is None
