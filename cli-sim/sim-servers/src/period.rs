//! Period identifiers as the simulated DHIS2 reads them, written from the
//! table in `shared/contracts/dhis2/README.md` §3 (core@master `Period.java`
//! `Period.Input.of`, `PeriodTypeEnum.java`), not from the agent's own
//! parser: the server judges what the agent sends, so it must not share the
//! agent's idea of a period id.
//!
//! Supported: every month-based type of the table (Monthly, BiMonthly,
//! Quarterly, QuarterlyNov, SixMonthly, SixMonthlyApril, SixMonthlyNov,
//! Yearly, the financial years Feb, April, July, Aug, Sep, Oct and Nov),
//! Daily, Weekly (ISO, Monday start) and BiWeekly (two ISO weeks). The
//! weekly types starting on other days are not modelled: their ids are
//! answered as invalid periods. Ids are case-sensitive, as in the table;
//! `yyyy-MM` and `yyyy-MM-dd` are the documented alternatives for Monthly
//! and Daily.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

/// A DHIS2 `periodType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeriodType {
    /// `yyyyMMdd`.
    Daily,
    /// `yyyyWn`, ISO-8601 week.
    Weekly,
    /// `yyyyBiWn`, ISO weeks `2n - 1` and `2n`.
    BiWeekly,
    /// `yyyyMM`.
    Monthly,
    /// `yyyyMMB`, MM the bi-month index 01 to 06.
    BiMonthly,
    /// `yyyyQn`.
    Quarterly,
    /// `yyyyNovQn`: Q1 is November of the year before to January.
    QuarterlyNov,
    /// `yyyySn`.
    SixMonthly,
    /// `yyyyAprilSn`: S1 April to September.
    SixMonthlyApril,
    /// `yyyyNovSn`: S1 November of the year before to April.
    SixMonthlyNov,
    /// `yyyy`.
    Yearly,
    /// `yyyyFeb`, February to January, named by the start year.
    FinancialFeb,
    /// `yyyyApril`.
    FinancialApril,
    /// `yyyyJuly`.
    FinancialJuly,
    /// `yyyyAug`.
    FinancialAug,
    /// `yyyySep`.
    FinancialSep,
    /// `yyyyOct`.
    FinancialOct,
    /// `yyyyNov`, November to October, named by the **end** year.
    FinancialNov,
}

/// (type, its name, months per period, first month of the first period of
/// a year, whether the id carries the end year) for the month-based types.
const MONTH_BASED: [(PeriodType, &str, u32, u32, bool); 15] = [
    (PeriodType::Monthly, "Monthly", 1, 1, false),
    (PeriodType::BiMonthly, "BiMonthly", 2, 1, false),
    (PeriodType::Quarterly, "Quarterly", 3, 1, false),
    (PeriodType::QuarterlyNov, "QuarterlyNov", 3, 11, true),
    (PeriodType::SixMonthly, "SixMonthly", 6, 1, false),
    (PeriodType::SixMonthlyApril, "SixMonthlyApril", 6, 4, false),
    (PeriodType::SixMonthlyNov, "SixMonthlyNov", 6, 11, true),
    (PeriodType::Yearly, "Yearly", 12, 1, false),
    (PeriodType::FinancialFeb, "FinancialFeb", 12, 2, false),
    (PeriodType::FinancialApril, "FinancialApril", 12, 4, false),
    (PeriodType::FinancialJuly, "FinancialJuly", 12, 7, false),
    (PeriodType::FinancialAug, "FinancialAug", 12, 8, false),
    (PeriodType::FinancialSep, "FinancialSep", 12, 9, false),
    (PeriodType::FinancialOct, "FinancialOct", 12, 10, false),
    (PeriodType::FinancialNov, "FinancialNov", 12, 11, true),
];

/// The id suffix after the year of the yearly financial types.
const FINANCIAL_SUFFIX: [(PeriodType, &str); 7] = [
    (PeriodType::FinancialFeb, "Feb"),
    (PeriodType::FinancialApril, "April"),
    (PeriodType::FinancialJuly, "July"),
    (PeriodType::FinancialAug, "Aug"),
    (PeriodType::FinancialSep, "Sep"),
    (PeriodType::FinancialOct, "Oct"),
    (PeriodType::FinancialNov, "Nov"),
];

impl PeriodType {
    /// The `periodType` name, as in metadata answers.
    pub fn as_str(&self) -> &'static str {
        match self {
            PeriodType::Daily => "Daily",
            PeriodType::Weekly => "Weekly",
            PeriodType::BiWeekly => "BiWeekly",
            other => MONTH_BASED
                .iter()
                .find(|m| m.0 == *other)
                .map_or("Monthly", |m| m.1),
        }
    }

    /// Reads an exact `periodType` name.
    pub fn parse(s: &str) -> Option<PeriodType> {
        match s {
            "Daily" => Some(PeriodType::Daily),
            "Weekly" => Some(PeriodType::Weekly),
            "BiWeekly" => Some(PeriodType::BiWeekly),
            _ => MONTH_BASED.iter().find(|m| m.1 == s).map(|m| m.0),
        }
    }

    /// (months per period, first month, named by end year) of a month-based type.
    fn months(self) -> Option<(u32, u32, bool)> {
        MONTH_BASED
            .iter()
            .find(|m| m.0 == self)
            .map(|m| (m.2, m.3, m.4))
    }
}

/// One period: its type and first day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    kind: PeriodType,
    start: NaiveDate,
}

/// The error of [`Period::parse`]: the id is not one of the table's forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidPeriod;

impl Period {
    /// Reads a period id of the contract's table.
    pub fn parse(s: &str) -> Result<Period, InvalidPeriod> {
        parse(s).ok_or(InvalidPeriod)
    }

    /// The period of type `kind` containing `day`.
    pub fn containing(kind: PeriodType, day: NaiveDate) -> Period {
        let start = match kind {
            PeriodType::Daily => day,
            PeriodType::Weekly => monday_of(day),
            PeriodType::BiWeekly => {
                let w = day.iso_week();
                let first = if w.week().is_multiple_of(2) {
                    w.week() - 1
                } else {
                    w.week()
                };
                NaiveDate::from_isoywd_opt(w.year(), first, Weekday::Mon)
                    .unwrap_or_else(|| monday_of(day))
            }
            other => {
                let (len, first, _) = other.months().unwrap_or((1, 1, false));
                let index = day.year() * 12 + day.month0() as i32;
                let offset = (index - (first as i32 - 1)).rem_euclid(len as i32);
                let start_index = index - offset;
                NaiveDate::from_ymd_opt(
                    start_index.div_euclid(12),
                    start_index.rem_euclid(12) as u32 + 1,
                    1,
                )
                .unwrap_or(day)
            }
        };
        Period { kind, start }
    }

    /// The period's type.
    pub fn period_type(&self) -> PeriodType {
        self.kind
    }

    /// Its first day.
    pub fn start(&self) -> NaiveDate {
        self.start
    }

    /// Its last day.
    pub fn end(&self) -> NaiveDate {
        let next = match self.kind {
            PeriodType::Daily => self.start.checked_add_days(Days::new(1)),
            PeriodType::Weekly => self.start.checked_add_days(Days::new(7)),
            PeriodType::BiWeekly => self.start.checked_add_days(Days::new(14)),
            other => {
                let (len, _, _) = other.months().unwrap_or((1, 1, false));
                self.start.checked_add_months(Months::new(len))
            }
        };
        next.and_then(|n| n.pred_opt()).unwrap_or(self.start)
    }

    /// The period after this one.
    pub fn next(&self) -> Period {
        let day = self.end().succ_opt().unwrap_or(self.start);
        Period::containing(self.kind, day)
    }

    /// Its id, as the table writes it.
    pub fn dhis2_id(&self) -> String {
        let s = self.start;
        match self.kind {
            PeriodType::Daily => s.format("%Y%m%d").to_string(),
            PeriodType::Weekly => {
                let w = s.iso_week();
                format!("{}W{}", w.year(), w.week())
            }
            PeriodType::BiWeekly => {
                let w = s.iso_week();
                format!("{}BiW{}", w.year(), w.week().div_ceil(2))
            }
            other => {
                let (len, first, end_year) = other.months().unwrap_or((1, 1, false));
                // Months since the start of the year this period is counted in.
                let since_first = (s.month() + 12 - first) % 12;
                let n = since_first / len + 1;
                let year = if end_year && s.month() >= first {
                    s.year() + 1
                } else if !end_year && s.month() < first {
                    s.year() - 1
                } else {
                    s.year()
                };
                match other {
                    PeriodType::Monthly => format!("{year}{:02}", s.month()),
                    PeriodType::BiMonthly => format!("{year}{n:02}B"),
                    PeriodType::Quarterly => format!("{year}Q{n}"),
                    PeriodType::QuarterlyNov => format!("{year}NovQ{n}"),
                    PeriodType::SixMonthly => format!("{year}S{n}"),
                    PeriodType::SixMonthlyApril => format!("{year}AprilS{n}"),
                    PeriodType::SixMonthlyNov => format!("{year}NovS{n}"),
                    PeriodType::Yearly => format!("{year}"),
                    fin => {
                        let suffix = FINANCIAL_SUFFIX
                            .iter()
                            .find(|f| f.0 == fin)
                            .map_or("", |f| f.1);
                        format!("{year}{suffix}")
                    }
                }
            }
        }
    }
}

fn monday_of(day: NaiveDate) -> NaiveDate {
    day.checked_sub_days(Days::new(u64::from(day.weekday().num_days_from_monday())))
        .unwrap_or(day)
}

/// A number of 1 to `max_digits` ASCII digits (no sign, no spaces).
fn number(s: &str, max_digits: usize) -> Option<u32> {
    if s.is_empty() || s.len() > max_digits || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The first period of a month-based type whose id names `year`, and the
/// `n`-th (1-based) after it, if `n` is within the year.
fn nth_of_year(kind: PeriodType, year: i32, n: u32) -> Option<Period> {
    let (len, first, end_year) = kind.months()?;
    if n == 0 || n > 12 / len {
        return None;
    }
    let start_year = if end_year && first > 1 {
        year - 1
    } else {
        year
    };
    let start = NaiveDate::from_ymd_opt(start_year, first, 1)?
        .checked_add_months(Months::new(len * (n - 1)))?;
    Some(Period { kind, start })
}

fn parse(s: &str) -> Option<Period> {
    if !s.is_ascii() || s.len() < 4 {
        return None;
    }
    let (year_text, rest) = s.split_at(4);
    let year = number(year_text, 4)? as i32;
    if rest.is_empty() {
        return nth_of_year(PeriodType::Yearly, year, 1);
    }
    // yyyy-MM and yyyy-MM-dd.
    if let Some(dashed) = rest.strip_prefix('-') {
        return match dashed.split_once('-') {
            None if dashed.len() == 2 => {
                let month = number(dashed, 2)?;
                nth_of_year(PeriodType::Monthly, year, month)
            }
            Some((m, d)) if m.len() == 2 && d.len() == 2 => Some(Period {
                kind: PeriodType::Daily,
                start: NaiveDate::from_ymd_opt(year, number(m, 2)?, number(d, 2)?)?,
            }),
            _ => None,
        };
    }
    if rest.len() == 2 && rest.bytes().all(|b| b.is_ascii_digit()) {
        return nth_of_year(PeriodType::Monthly, year, number(rest, 2)?);
    }
    if rest.len() == 4 && rest.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Period {
            kind: PeriodType::Daily,
            start: NaiveDate::from_ymd_opt(year, number(&rest[..2], 2)?, number(&rest[2..], 2)?)?,
        });
    }
    if let Some(n) = rest.strip_suffix('B') {
        if n.len() != 2 {
            return None;
        }
        return nth_of_year(PeriodType::BiMonthly, year, number(n, 2)?);
    }
    if let Some(n) = rest.strip_prefix("BiW") {
        let n = number(n, 2)?;
        if n == 0 {
            return None;
        }
        let start = NaiveDate::from_isoywd_opt(year, 2 * n - 1, Weekday::Mon)?;
        return Some(Period {
            kind: PeriodType::BiWeekly,
            start,
        });
    }
    if let Some(n) = rest.strip_prefix('W') {
        let start = NaiveDate::from_isoywd_opt(year, number(n, 2)?, Weekday::Mon)?;
        return Some(Period {
            kind: PeriodType::Weekly,
            start,
        });
    }
    let prefixed = [
        ("NovQ", PeriodType::QuarterlyNov),
        ("NovS", PeriodType::SixMonthlyNov),
        ("AprilS", PeriodType::SixMonthlyApril),
        ("Q", PeriodType::Quarterly),
        ("S", PeriodType::SixMonthly),
    ];
    if let Some(f) = FINANCIAL_SUFFIX.iter().find(|f| f.1 == rest) {
        return nth_of_year(f.0, year, 1);
    }
    for (prefix, kind) in prefixed {
        if let Some(n) = rest.strip_prefix(prefix) {
            return nth_of_year(kind, year, number(n, 1)?);
        }
    }
    None
}

/// Whether `s` is a DHIS2 uid: 11 characters, letters and digits, the first
/// a letter (contract §1, `CodeGenerator.isValidUid`).
pub fn is_dhis2_uid(s: &str) -> bool {
    s.len() == 11
        && s.bytes().all(|b| b.is_ascii_alphanumeric())
        && s.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
}

/// Whether `s` is a UUID written 8-4-4-4-12 with hex digits (either case),
/// as the OpenLMIS services' JSON binder reads it.
pub fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// The examples of the contract's table, written by hand: id → (type, first day, last day).
    #[test]
    fn the_contract_table_examples_read_as_documented() {
        let table = [
            (
                "20261130",
                PeriodType::Daily,
                d(2026, 11, 30),
                d(2026, 11, 30),
            ),
            (
                "2026-11-30",
                PeriodType::Daily,
                d(2026, 11, 30),
                d(2026, 11, 30),
            ),
            (
                "2026W48",
                PeriodType::Weekly,
                d(2026, 11, 23),
                d(2026, 11, 29),
            ),
            ("2026W5", PeriodType::Weekly, d(2026, 1, 26), d(2026, 2, 1)),
            (
                "2026W53",
                PeriodType::Weekly,
                d(2026, 12, 28),
                d(2027, 1, 3),
            ),
            (
                "2026BiW24",
                PeriodType::BiWeekly,
                d(2026, 11, 16),
                d(2026, 11, 29),
            ),
            (
                "2015BiW1",
                PeriodType::BiWeekly,
                d(2014, 12, 29),
                d(2015, 1, 11),
            ),
            (
                "202611",
                PeriodType::Monthly,
                d(2026, 11, 1),
                d(2026, 11, 30),
            ),
            (
                "2026-11",
                PeriodType::Monthly,
                d(2026, 11, 1),
                d(2026, 11, 30),
            ),
            (
                "202601B",
                PeriodType::BiMonthly,
                d(2026, 1, 1),
                d(2026, 2, 28),
            ),
            (
                "2026Q4",
                PeriodType::Quarterly,
                d(2026, 10, 1),
                d(2026, 12, 31),
            ),
            (
                "2027NovQ1",
                PeriodType::QuarterlyNov,
                d(2026, 11, 1),
                d(2027, 1, 31),
            ),
            (
                "2026S1",
                PeriodType::SixMonthly,
                d(2026, 1, 1),
                d(2026, 6, 30),
            ),
            (
                "2026AprilS1",
                PeriodType::SixMonthlyApril,
                d(2026, 4, 1),
                d(2026, 9, 30),
            ),
            (
                "2026AprilS2",
                PeriodType::SixMonthlyApril,
                d(2026, 10, 1),
                d(2027, 3, 31),
            ),
            (
                "2027NovS1",
                PeriodType::SixMonthlyNov,
                d(2026, 11, 1),
                d(2027, 4, 30),
            ),
            ("2026", PeriodType::Yearly, d(2026, 1, 1), d(2026, 12, 31)),
            (
                "2026Feb",
                PeriodType::FinancialFeb,
                d(2026, 2, 1),
                d(2027, 1, 31),
            ),
            (
                "2026April",
                PeriodType::FinancialApril,
                d(2026, 4, 1),
                d(2027, 3, 31),
            ),
            (
                "2026July",
                PeriodType::FinancialJuly,
                d(2026, 7, 1),
                d(2027, 6, 30),
            ),
            (
                "2026Aug",
                PeriodType::FinancialAug,
                d(2026, 8, 1),
                d(2027, 7, 31),
            ),
            (
                "2026Sep",
                PeriodType::FinancialSep,
                d(2026, 9, 1),
                d(2027, 8, 31),
            ),
            (
                "2026Oct",
                PeriodType::FinancialOct,
                d(2026, 10, 1),
                d(2027, 9, 30),
            ),
            (
                "2027Nov",
                PeriodType::FinancialNov,
                d(2026, 11, 1),
                d(2027, 10, 31),
            ),
        ];
        for (id, kind, start, end) in table {
            let p = Period::parse(id).unwrap_or_else(|_| panic!("{id} should read"));
            assert_eq!(
                (p.period_type(), p.start(), p.end()),
                (kind, start, end),
                "{id}"
            );
            assert_eq!(
                Period::containing(kind, end),
                p,
                "{id}: containing its last day"
            );
            if !id.contains('-') && id != "2026W5" {
                assert_eq!(p.dhis2_id(), id, "{id}: written back");
            }
        }
        assert_eq!(Period::parse("2026W5").unwrap().dhis2_id(), "2026W5");
    }

    #[test]
    fn ids_outside_the_table_are_invalid() {
        for bad in [
            "",
            "2026M",
            "202613",
            "202600",
            "2026Q5",
            "2026Q0",
            "2026q4",
            "2026S3",
            "202607B",
            "2026W54",
            "2027W53",
            "20261131",
            "2026-1",
            "2026WedW48",
            " 202611",
            "202611 ",
            "2026BiW28",
            "２０２６",
            "2026Jan",
            "2026-11-3",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad:?} should be invalid");
        }
    }

    #[test]
    fn next_walks_the_calendar() {
        let p = Period::parse("2026Q4").unwrap();
        assert_eq!(p.next().dhis2_id(), "2027Q1");
        assert_eq!(Period::parse("202612").unwrap().next().dhis2_id(), "202701");
        assert_eq!(
            Period::parse("2026W53").unwrap().next().dhis2_id(),
            "2027W1"
        );
    }

    #[test]
    fn uid_and_uuid_shapes() {
        assert!(is_dhis2_uid("pBOMPrpg1QX"));
        assert!(!is_dhis2_uid("1BOMPrpg1QX"));
        assert!(!is_dhis2_uid("pBOMPrpg1Q"));
        assert!(!is_dhis2_uid("pBOMPrpg1Q-"));
        assert!(is_uuid("b5c27da7-bdda-4790-925a-9484c5dfb594"));
        assert!(is_uuid("B5C27DA7-BDDA-4790-925A-9484C5DFB594"));
        assert!(!is_uuid("b5c27da7bdda4790925a9484c5dfb594"));
        assert!(!is_uuid("b5c27da7-bdda-4790-925a-9484c5dfb59g"));
        assert!(!is_uuid("{b5c27da7-bdda-4790-925a-9484c5dfb594}"));
    }
}
