"""The pure CSV parsers behind `members import` and `cecs import` (domain/imports.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.catalog import Catalog
from domain.imports import parse_cecs_csv, parse_members_csv

CATALOG = Catalog.default()
HEADER = "acsm_id,first_name,last_name,email,phone,certification,effective_date,thru_date,cpr_aed_expires"


def test_columns_in_any_order_both_date_forms_and_codes_or_names() -> None:
    text = (
        "\ufeffThru_Date,certification,acsm_id,email,first_name,last_name,phone,effective_date,cpr_aed_expires\r\n"
        "12/31/2026,ACSM Certified Personal Trainer,123456,ann@example.com,Ann,Abbott,,2024-01-01,05/01/2027\r\n"
        "2027-12-31,cet,123456,ann@example.com,Ann,Abbott,,01/01/2025,2027-05-01\r\n"
        "\r\n"
        "2026-12-31,RCEP,777,bo@example.com,Bo,Li,+1 (317) 555-0100,2024-01-01,\r\n"
    )
    parsed = parse_members_csv(text, CATALOG)
    assert parsed.errors == []
    assert [m.acsm_id for m in parsed.members] == ["123456", "777"]
    assert parsed.members[0].cpr_aed_expires == date(2027, 5, 1)
    assert parsed.members[1].cpr_aed_expires is None and parsed.members[1].phone is not None
    assert [(c.acsm_id, c.code, c.thru_date) for c in parsed.certifications] == [
        ("123456", "CPT", date(2026, 12, 31)),
        ("123456", "CET", date(2027, 12, 31)),
        ("777", "RCEP", date(2026, 12, 31)),
    ]
    assert parsed.rows == 3


def test_every_bad_row_is_reported_with_its_physical_line() -> None:
    text = (
        f"{HEADER}\n"
        "1,Ann,Abbott,ann@example.com,,CPT,2024-01-01,2026-12-31,\n"  # line 2
        '2,"Multi\nLine",Li,bo@example.com,,CPT,2024-01-01,2026-12-31,\n'  # lines 3-4: a break
        "1,Ann,Abbott,other@example.com,,CET,2024-01-01,2026-12-31,\n"  # 5: conflicting email
        "3,Cy,Do,cy@example.com,,CPT,2026-01-01,2025-12-31,\n"  # 6: effective after thru
        "4,Di,Ek,di@example.com,,CPT,2024-01-01,2026-12-31\n"  # 7: a field missing
        "5,Ed,Fu,ed@example.com,,,2024-01-01,2026-12-31,\n"  # 8: empty certification
        "6,,Gu,fa@example.com,,CPT,2024-01-01,2026-12-31,31/12/2027\n"  # 9: two problems
        "2,Multi\u2028Line,Li,bo@example.com,,CPT,2024-01-01,2026-12-31,\n"  # 10
    )
    parsed = parse_members_csv(text, CATALOG)
    assert parsed.errors == [
        "line 3: first_name contains a control character or line break (U+000A)",
        "line 5: member 1: email differs from line 2",
        "line 6: effective_date is after thru_date",
        "line 7: expected 9 fields, found 8",
        "line 8: certification is empty",
        "line 9: cpr_aed_expires '31/12/2027' is not a date (YYYY-MM-DD or MM/DD/YYYY);"
        " first_name is empty",
        "line 10: first_name contains a control character or line break (U+2028)",
    ]


def test_dates_take_ascii_digits_only() -> None:
    text = (
        f"{HEADER}\n"
        "1,Ann,Abbott,ann@example.com,,CPT,2024-01-01,12/31/\u0662\u0660\u0662\u0666,\n"
        "2,Bo,Li,bo@example.com,,CPT,\uff12\uff10\uff12\uff14-01-01,2026-12-31,\n"
        "3,Cy,Do,cy@example.com,,CPT,2024-01-01,2026-12-31,\u0661\u0662/\u0663\u0661/2027\n"
    )
    parsed = parse_members_csv(text, CATALOG)
    assert [e.partition(":")[0] for e in parsed.errors] == ["line 2", "line 3", "line 4"]
    assert all("is not a date" in e for e in parsed.errors), parsed.errors
    cecs = parse_cecs_csv(
        "acsm_id,completed_on,title,provider,cecs\n1,\u0662\u0660\u0662\u0665-03-01,T,ACSM,2\n"
    )
    assert len(cecs.errors) == 1 and "is not a date" in cecs.errors[0]


def test_thru_dates_must_be_december_31() -> None:
    text = f"{HEADER}\n1,Ann,Abbott,ann@example.com,,CPT,2024-01-01,2026-12-30,\n"
    assert parse_members_csv(text, CATALOG).errors == [
        "line 2: thru_date 12/30/2026 is not a December 31"
    ]


def test_header_problems_stop_the_file() -> None:
    assert parse_members_csv("", CATALOG).errors == [
        "line 1: the file is empty (a header row is needed)"
    ]
    assert parse_members_csv(HEADER + "\n", CATALOG).errors == ["line 2: no rows to import"]
    bad = HEADER.replace("phone", "mobile") + ",acsm_id\n1,2\n"
    assert parse_members_csv(bad, CATALOG).errors == [
        "line 1: missing column(s) phone; unknown column(s) mobile; a column is repeated"
    ]


def test_cecs_rows() -> None:
    text = (
        "provider,cecs,acsm_id,title,completed_on\n"
        "ACSM,7.5,123456,Workshop,2025-03-01\n"
        'NSCA,"2,5",123456,Webinar,03/02/2025\n'
        "X,0,123456,Nothing,2025-03-03\n"
        "X,-1,123456,Negative,2025-03-03\n"
        "X,1000,123456,Typo,2025-03-03\n"
        "X,1,999,Stranger,2025-03-03\n"
        "X,1,123456,,2025-03-03\n"
    )
    parsed = parse_cecs_csv(text.replace('"2,5"', "2.5"), {"123456"}.__contains__)
    assert [a.cecs for a in parsed.activities] == [Decimal("7.5"), Decimal("2.5")]
    assert parsed.activities[1].completed_on == date(2025, 3, 2)
    assert parsed.errors == [
        "line 4: cecs: an activity is worth at least 0.5 CEC",
        "line 5: cecs: CECs cannot be negative",
        "line 6: cecs: more than 999 CECs looks like a typing error",
        "line 7: unknown member 999",
        "line 8: title is empty",
    ]


def test_many_rows_parse_with_the_one_bad_line_numbered() -> None:
    """1,000 rows; the 100,000-row timing (< 10 s) is in bench/bench_import.py (`make bench`)."""
    rows = [HEADER]
    for i in range(500):
        base = f"{300000 + i},First{i},Last{i},m{i}@example.com,+1 317 555 {i % 10000:04d}"
        rows.append(f"{base},CPT,2024-01-01,2026-12-31,2027-06-30")
        rows.append(
            f"{base},ACSM/ACS Certified Cancer Exercise Trainer,01/01/2025,12/31/2027,2027-06-30"
        )
    rows[-1] = rows[-1].replace("12/31/2027", "12/30/2027")
    parsed = parse_members_csv("\n".join(rows) + "\n", CATALOG)
    assert len(parsed.members) == 500 and len(parsed.certifications) == 999
    assert parsed.errors[-1].startswith("line 1001: ")
    assert len(parsed.errors) == 1


def test_every_problem_of_every_row_is_reported() -> None:
    text = (
        f"{HEADER}\n"
        "x1,,Abbott,not-an-email,12,XYZ,2024-13-01,2026-12-30,0002-01-01\n"  # 2
        "1,Ann,Abbott,ann@example.com,,CPT,2024-01-01,2026-12-31,\n"  # 3: fine
    )
    assert parse_members_csv(text, CATALOG).errors == [
        "line 2: acsm_id 'x1' is not digits; email 'not-an-email' is not an email address;"
        " phone: That is not a valid phone number (add +country code abroad); cpr_aed_expires '0002-01-01' is not"
        " a plausible date (years 1950–2100); first_name is empty; unknown certification"
        " 'XYZ'; effective_date '2024-13-01' is not a date (YYYY-MM-DD or MM/DD/YYYY);"
        " thru_date 12/30/2026 is not a December 31"
    ]
    cecs = (
        "acsm_id,completed_on,title,provider,cecs\n"
        "x,2025-13-01,,ACSM,1e2\n"  # 2
        "999,2030-01-01,Course,ACSM,1\n"  # 3: unknown member and in the future
    )
    parsed = parse_cecs_csv(cecs, {"123456"}.__contains__, today=date(2026, 1, 1))
    assert parsed.errors == [
        "line 2: cecs: '1e2' is not a number: type digits such as 12 or 12.5; acsm_id 'x' is"
        " not digits; completed_on '2025-13-01' is not a date (YYYY-MM-DD or MM/DD/YYYY);"
        " title is empty",
        "line 3: unknown member 999; completed_on 2030-01-01 is in the future",
    ]


def test_a_thru_date_more_than_four_years_after_the_effective_date_is_refused() -> None:
    rows = [
        "1,Ann,Abbott,ann@example.com,,CPT,2023-01-01,2026-12-31,",  # first cycle, 4 years
        "2,Bo,Li,bo@example.com,,CPT,2022-12-31,2026-12-31,",  # exactly four years: fine
        "3,Cy,Do,cy@example.com,,CPT,2022-12-30,2026-12-31,",
        "4,Di,Ek,di@example.com,,CPT,2010-06-01,2026-12-31,",
    ]
    parsed = parse_members_csv("\n".join([HEADER, *rows]) + "\n", CATALOG)
    assert parsed.errors == [
        "line 4: thru_date 12/31/2026 is more than four years after effective_date 12/30/2022",
        "line 5: thru_date 12/31/2026 is more than four years after effective_date 06/01/2010",
    ]


def test_a_comma_is_refused_as_a_decimal_separator_in_cecs() -> None:
    text = 'acsm_id,completed_on,title,provider,cecs\n1,2025-03-01,Course,ACSM,"1,5"\n'
    assert parse_cecs_csv(text).errors == [
        "line 2: cecs: '1,5' has a comma: write the decimal with a point (1.5)"
    ]
