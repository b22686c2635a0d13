//! Matching two master lists (DHIS2 org units and LMIS facilities, a form's
//! products and LMIS orderables, movements and LMIS reasons): pure, no I/O.
//!
//! The rule is "propose, never guess silently": an exact code match first,
//! then a match of normalised names (case, accents, punctuation and the
//! common words of facility names such as "Health Post", "Dispensary",
//! "Poste de santé", "Centro de Saúde", "Zahanati" left out). A name shared
//! by two entries on either side, two entries wanting the same one, or no
//! match at all is a question for a person, with the closest candidates
//! first; it is never decided here.

use crate::model::form::Movement;
use crate::model::i18n::Message;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One item of a master list.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Entry {
    /// The system's id (a DHIS2 uid, an LMIS UUID).
    pub id: String,
    /// The system's code, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The name as the system spells it.
    pub name: String,
}

/// What a proposal rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The same code on both sides.
    Code,
    /// The same name once case, accents, punctuation and common words are left out.
    Name,
    /// The same LMIS tag (`consumed`, `received`), for a reason.
    Tag,
    /// A person's decision (the decisions file).
    Decision,
}

/// A proposed pair, with its evidence and a confidence (0 to 100).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// The item of the first list (DHIS2, or the form).
    pub left: Entry,
    /// The item of the second list (the LMIS).
    pub right: Entry,
    /// What the pair rests on.
    pub basis: Basis,
    /// 100 for a code or a decision, 90 for a normalised name.
    pub confidence: u8,
    /// Plain words: why these two (English; `evidence_messages` in any language).
    pub evidence: String,
    /// The same as `evidence`, as messages (joined with "; ").
    #[serde(default)]
    pub evidence_messages: Vec<Message>,
}

impl Proposal {
    /// Adds a part to the evidence.
    fn add_evidence(&mut self, m: Message) {
        self.evidence.push_str("; ");
        self.evidence.push_str(&en(&m));
        self.evidence_messages.push(m);
    }
}

/// A message in English, for the fields that keep the English text.
fn en(m: &Message) -> String {
    crate::model::i18n::render(m, crate::model::i18n::DEFAULT_LOCALE)
}

/// The id of a movement's name (`movement-losses`), a message without arguments.
pub fn movement_message_id(m: Movement) -> String {
    format!("movement-{}", movement_key(m))
}

/// A proposal's evidence from one message.
fn evidence(m: Message) -> (String, Vec<Message>) {
    (en(&m), vec![m])
}

/// A candidate for a question, with its similarity (0 to 100).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    /// The candidate.
    pub entry: Entry,
    /// How close its name is (100: the same once normalised).
    pub score: u8,
}

/// Why a person must decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Doubt {
    /// Several candidates fit equally (a shared name or code, or two items
    /// wanting the same one: a merge).
    Ambiguous,
    /// Nothing fits by code or name; the candidates are only the closest.
    Unmatched,
}

/// An item a person must decide about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// The item without a sure partner.
    pub subject: Entry,
    /// Ambiguous or unmatched.
    pub doubt: Doubt,
    /// The other list's closest items, closest first (at most 5).
    pub candidates: Vec<Candidate>,
    /// Plain words: what is doubtful (English; `why_message` in any language).
    pub why: String,
    /// The same as `why`, as a message.
    #[serde(default)]
    pub why_message: Message,
}

/// The result of matching two lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matching {
    /// Pairs proposed by code or normalised name.
    pub proposed: Vec<Proposal>,
    /// Items of the first list a person must decide about.
    pub questions: Vec<Question>,
    /// Items of the second list nothing was proposed for.
    pub unused: Vec<Entry>,
}

/// The most candidates a question lists.
pub const MAX_CANDIDATES: usize = 5;

/// Words of facility names that say what kind of place it is, not which
/// one, in the languages of the deployments (after normalising).
const COMMON_WORDS: &[&str] = &[
    "health post",
    "health centre",
    "health center",
    "health facility",
    "dispensary",
    "poste de sante",
    "centre de sante",
    "case de sante",
    "centro de saude",
    "posto de saude",
    "zahanati",
    "kituo cha afya",
];

/// Small words joining a name's parts ("Poste de Santé de Ndiaye",
/// "Zahanati ya Kisiwani"), left out after the common words.
const JOINING_WORDS: &[&str] = &[
    "the", "of", "de", "du", "des", "la", "le", "da", "do", "das", "dos", "ya", "wa", "cha",
];

/// Folds the accented Latin letters of French, Portuguese and Swahili
/// names onto their plain letter.
fn fold(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        other => other,
    }
}

/// A name reduced to what tells it apart: lower case, accents folded,
/// punctuation as spaces, the common words left out, single spaces.
/// `"Kalembo Health Post"` gives `"kalembo"`, `"Poste de Santé de Ndiaye"`
/// gives `"ndiaye"`.
pub fn normalise(name: &str) -> String {
    let plain: String = name
        .to_lowercase()
        .chars()
        .map(fold)
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let mut words = format!(
        " {} ",
        plain.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    for common in COMMON_WORDS {
        let pattern = format!(" {common} ");
        while let Some(at) = words.find(&pattern) {
            words.replace_range(at..at + pattern.len(), " ");
        }
    }
    let out = words
        .split_whitespace()
        .filter(|w| !JOINING_WORDS.contains(w))
        .collect::<Vec<_>>()
        .join(" ");
    if out.is_empty() {
        // A name made only of common words is its own key.
        plain.split_whitespace().collect::<Vec<_>>().join(" ")
    } else {
        out
    }
}

/// Edit distance (Levenshtein) over characters, bounded by the inputs' lengths.
fn distance(a: &[char], b: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// How close two names are, 0 to 100, on their normalised forms: the
/// better of the shared words and the edit distance.
pub fn similarity(a: &str, b: &str) -> u8 {
    let (na, nb) = (normalise(a), normalise(b));
    if na == nb {
        return 100;
    }
    let wa: Vec<&str> = na.split(' ').collect();
    let wb: Vec<&str> = nb.split(' ').collect();
    let shared = wa.iter().filter(|w| wb.contains(w)).count();
    let words = (wa.len() + wb.len()).saturating_sub(shared).max(1);
    let by_words = shared * 100 / words;
    let (ca, cb): (Vec<char>, Vec<char>) = (na.chars().collect(), nb.chars().collect());
    let longest = ca.len().max(cb.len()).max(1);
    let by_edits = 100usize.saturating_sub(distance(&ca, &cb) * 100 / longest);
    // Never 100 unless equal once normalised.
    by_words.max(by_edits).min(99) as u8
}

/// Every item of `among`, closest to `name` first (ties by name).
pub fn ranked(name: &str, among: &[Entry]) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = among
        .iter()
        .map(|e| Candidate {
            entry: e.clone(),
            score: similarity(name, &e.name),
        })
        .collect();
    out.sort_by(|a, b| b.score.cmp(&a.score).then(a.entry.cmp(&b.entry)));
    out
}

/// The items of `among` closest to `name`, closest first (ties by name),
/// at most [`MAX_CANDIDATES`].
pub fn closest(name: &str, among: &[Entry]) -> Vec<Candidate> {
    let mut out = ranked(name, among);
    out.truncate(MAX_CANDIDATES);
    out
}

fn code_key(e: &Entry) -> Option<String> {
    e.code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_uppercase)
}

fn names(list: &[&Entry]) -> String {
    list.iter()
        .map(|e| format!("'{}'", e.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Matches `left` against `right`: exact codes first (case aside), then
/// normalised names; anything shared, contested or missing becomes a
/// question for a person.
pub fn match_lists(left: &[Entry], right: &[Entry]) -> Matching {
    let mut out = Matching::default();
    let mut left_done = vec![false; left.len()];
    let mut right_done = vec![false; right.len()];
    // Each key's items on both sides, for codes then for names.
    type Key = fn(&Entry) -> Option<String>;
    let by_name: Key = |e| Some(normalise(&e.name)).filter(|n| !n.is_empty());
    for (basis, key) in [(Basis::Code, code_key as Key), (Basis::Name, by_name)] {
        let mut groups: BTreeMap<String, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
        for (i, e) in left.iter().enumerate() {
            if let (false, Some(k)) = (left_done[i], key(e)) {
                groups.entry(k).or_default().0.push(i);
            }
        }
        for (j, e) in right.iter().enumerate() {
            if let (false, Some(k)) = (right_done[j], key(e)) {
                groups.entry(k).or_default().1.push(j);
            }
        }
        for (k, (ls, rs)) in groups {
            if ls.is_empty() || rs.is_empty() {
                continue;
            }
            if let ([i], [j]) = (ls.as_slice(), rs.as_slice()) {
                let (l, r) = (&left[*i], &right[*j]);
                let (evidence, evidence_messages) = evidence(match basis {
                    Basis::Code => Message::new("match-evidence-code").text("code", k.as_str()),
                    _ => Message::new("match-evidence-name").text("name", k.as_str()),
                });
                out.proposed.push(Proposal {
                    left: l.clone(),
                    right: r.clone(),
                    basis,
                    confidence: if basis == Basis::Code { 100 } else { 90 },
                    evidence,
                    evidence_messages,
                });
                left_done[*i] = true;
                right_done[*j] = true;
                continue;
            }
            // Shared or contested: every item involved is a question, with
            // the others as its candidates; none is matched.
            let rights: Vec<&Entry> = rs.iter().map(|j| &right[*j]).collect();
            let lefts: Vec<&Entry> = ls.iter().map(|i| &left[*i]).collect();
            let shared = if basis == Basis::Code {
                "match-why-shared-code"
            } else {
                "match-why-shared-name"
            };
            for i in &ls {
                let why = if rs.len() > 1 {
                    Message::new(shared)
                        .num("count", rs.len() as i64)
                        .text("names", names(&rights))
                } else {
                    Message::new("match-why-merge")
                        .num("count", ls.len() as i64)
                        .text("names", names(&lefts))
                };
                let among: Vec<Entry> = rights.iter().map(|e| (*e).clone()).collect();
                out.questions.push(Question {
                    subject: left[*i].clone(),
                    doubt: Doubt::Ambiguous,
                    candidates: closest(&left[*i].name, &among),
                    why: en(&why),
                    why_message: why,
                });
                left_done[*i] = true;
            }
            for j in rs {
                right_done[j] = true;
            }
        }
    }
    let free: Vec<Entry> = right
        .iter()
        .enumerate()
        .filter(|(j, _)| !right_done[*j])
        .map(|(_, e)| e.clone())
        .collect();
    for (i, e) in left.iter().enumerate() {
        if left_done[i] {
            continue;
        }
        out.questions.push(Question {
            subject: e.clone(),
            doubt: Doubt::Unmatched,
            candidates: closest(&e.name, &free),
            why: en(&Message::new("match-why-unmatched")),
            why_message: Message::new("match-why-unmatched"),
        });
    }
    // Items taken by a question are not unused: a person decides them.
    out.unused = free;
    out
}

/// An LMIS reason, as matching needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonEntry {
    /// Id and name.
    pub entry: Entry,
    /// Whether it adds stock (`CREDIT`).
    pub credit: bool,
    /// Its tags (`consumed`, `received`…).
    pub tags: Vec<String>,
}

/// The proposal for one movement's reason, or the question about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonMatch {
    /// The movement.
    pub movement: Movement,
    /// The name the form asks for (configured or the default).
    pub wanted: String,
    /// The reason proposed, when one is sure.
    pub proposed: Option<Proposal>,
    /// The LMIS's reasons of the right direction, closest first.
    pub candidates: Vec<Candidate>,
}

/// The reasons of the LMIS for each movement: the same name (case aside),
/// else for consumed and received the reason with that tag; otherwise the
/// reasons of the right direction (credit or debit), closest first, for a
/// person to choose. `wanted` gives the name asked for each movement.
pub fn match_reasons(
    wanted: &dyn Fn(Movement) -> String,
    lmis: &[ReasonEntry],
) -> Vec<ReasonMatch> {
    Movement::ALL
        .iter()
        .map(|&m| {
            let name = wanted(m);
            let same_way: Vec<&ReasonEntry> =
                lmis.iter().filter(|r| r.credit == m.is_credit()).collect();
            let entries: Vec<Entry> = same_way.iter().map(|r| r.entry.clone()).collect();
            let tag = match m {
                Movement::Consumed => Some("consumed"),
                Movement::Received => Some("received"),
                _ => None,
            };
            let by_name = same_way
                .iter()
                .find(|r| r.entry.name.eq_ignore_ascii_case(&name) || r.entry.id == name);
            let by_tag = || {
                let tagged: Vec<&&ReasonEntry> = same_way
                    .iter()
                    .filter(|r| tag.is_some_and(|t| r.tags.iter().any(|x| x == t)))
                    .collect();
                match tagged.as_slice() {
                    [one] => Some(*one),
                    _ => None,
                }
            };
            let left = Entry {
                id: name.clone(),
                code: None,
                name: name.clone(),
            };
            let proposed = match (by_name, by_tag()) {
                (Some(r), _) => {
                    let (evidence, evidence_messages) = evidence(
                        Message::new("match-evidence-reason-name")
                            .text("name", r.entry.name.as_str()),
                    );
                    Some(Proposal {
                        left,
                        right: r.entry.clone(),
                        basis: Basis::Name,
                        confidence: 100,
                        evidence,
                        evidence_messages,
                    })
                }
                (None, Some(r)) => {
                    let id = if m.is_credit() {
                        "match-evidence-reason-tag-credit"
                    } else {
                        "match-evidence-reason-tag-debit"
                    };
                    let (evidence, evidence_messages) =
                        evidence(Message::new(id).text("tag", tag.unwrap_or_default()));
                    Some(Proposal {
                        left,
                        right: r.entry.clone(),
                        basis: Basis::Tag,
                        confidence: 90,
                        evidence,
                        evidence_messages,
                    })
                }
                (None, None) => None,
            };
            ReasonMatch {
                movement: m,
                wanted: name.clone(),
                proposed,
                candidates: ranked(&name, &entries),
            }
        })
        .collect()
}

/// A person's decisions about the questions of a suggestion (the
/// decisions file, `schemas/mapping-decisions.schema.json`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decisions {
    /// The JSON Schema the file declares (ignored; lets editors check it).
    #[serde(rename = "$schema", default, skip_serializing)]
    pub schema: Option<String>,
    /// Version of the file format (1).
    pub version: u32,
    /// Facility pairs decided by a person.
    #[serde(default)]
    pub facilities: Vec<FacilityDecision>,
    /// The LMIS reason name chosen for a movement.
    #[serde(default)]
    pub reasons: BTreeMap<Movement, String>,
}

/// One facility decision: an org unit and an LMIS facility that are the
/// same place, or one of them alone (it reports to one system only), or
/// `skip` (leave it out of the map).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FacilityDecision {
    /// The DHIS2 org unit uid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dhis2_org_unit: Option<String>,
    /// The LMIS facility code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lmis_facility_code: Option<String>,
    /// The local code drafts will use (default: the LMIS code, else the DHIS2 one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Leave this org unit or facility out of the map.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub skip: bool,
}

impl Decisions {
    /// Reads a decisions file; the error says what to fix.
    pub fn from_json(text: &str) -> Result<Decisions, String> {
        let d: Decisions = serde_json::from_str(text)
            .map_err(|e| format!("the decisions file cannot be read: {e}"))?;
        if d.version != 1 {
            return Err(format!(
                "the decisions file has version {}, this agent reads version 1",
                d.version
            ));
        }
        Ok(d)
    }
}

/// A facility map built from a facility matching and a person's decisions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapBuild {
    /// The facilities of the map: proposals and decided pairs.
    pub facilities: Vec<crate::model::mapping::Facility>,
    /// The questions no decision answers (their items are left out).
    pub open: Vec<Question>,
    /// Decisions that name an org unit or a facility the servers do not have.
    pub problems: Vec<Message>,
}

/// The facility map of `m` (DHIS2 org units matched against LMIS
/// facilities) with `decisions` applied: a decision overrides a proposal
/// about the same org unit or facility; an item of an open question is
/// left out, never guessed.
pub fn build_facility_map(m: &Matching, lmis: &[Entry], decisions: &Decisions) -> MapBuild {
    use crate::model::mapping::Facility;
    let mut out = MapBuild::default();
    let dhis2_known: Vec<&Entry> = m
        .proposed
        .iter()
        .map(|p| &p.left)
        .chain(m.questions.iter().map(|q| &q.subject))
        .collect();
    let find_lmis = |code: &str| {
        lmis.iter().find(|e| {
            e.code
                .as_deref()
                .is_some_and(|c| c.eq_ignore_ascii_case(code))
        })
    };
    let mut decided_ou = Vec::new();
    let mut decided_lmis = Vec::new();
    let mut pairs: Vec<(Option<Entry>, Option<Entry>, Option<String>)> = Vec::new();
    for d in &decisions.facilities {
        let ou = match &d.dhis2_org_unit {
            Some(id) => match dhis2_known.iter().find(|e| e.id == *id) {
                Some(e) => Some((*e).clone()),
                None => {
                    out.problems.push(
                        Message::new("match-problem-unknown-org-unit").text("id", id.as_str()),
                    );
                    continue;
                }
            },
            None => None,
        };
        let fac = match &d.lmis_facility_code {
            Some(code) => match find_lmis(code) {
                Some(e) => Some(e.clone()),
                None => {
                    out.problems.push(
                        Message::new("match-problem-unknown-lmis-code").text("code", code.as_str()),
                    );
                    continue;
                }
            },
            None => None,
        };
        if ou.is_none() && fac.is_none() {
            out.problems
                .push(Message::new("match-problem-empty-decision"));
            continue;
        }
        if let Some(o) = &ou {
            decided_ou.push(o.id.clone());
        }
        if let Some(f) = &fac {
            decided_lmis.push(f.id.clone());
        }
        if !d.skip {
            pairs.push((ou, fac, d.code.clone()));
        }
    }
    for p in &m.proposed {
        if decided_ou.contains(&p.left.id) || decided_lmis.contains(&p.right.id) {
            continue;
        }
        pairs.push((Some(p.left.clone()), Some(p.right.clone()), None));
    }
    for q in &m.questions {
        if !decided_ou.contains(&q.subject.id) {
            out.open.push(q.clone());
        }
    }
    for (ou, fac, code) in pairs {
        let code = code
            .or_else(|| fac.as_ref().and_then(|f| f.code.clone()))
            .or_else(|| ou.as_ref().and_then(|o| o.code.clone()))
            .or_else(|| ou.as_ref().map(|o| o.id.clone()))
            .unwrap_or_default();
        out.facilities.push(Facility {
            code,
            name: ou
                .as_ref()
                .or(fac.as_ref())
                .map(|e| e.name.clone())
                .unwrap_or_default(),
            dhis2_org_unit: ou.map(|o| o.id),
            lmis_facility_code: fac.as_ref().and_then(|f| f.code.clone()),
            lmis_facility_id: fac.map(|f| f.id),
            forms: Vec::new(),
        });
    }
    out.facilities.sort_by(|a, b| a.code.cmp(&b.code));
    out
}

/// The two servers' master lists, as read for a suggestion or a check.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MasterLists {
    /// The DHIS2 org units of the data sets' assignment.
    pub org_units: Vec<Entry>,
    /// Every LMIS facility.
    pub lmis_facilities: Vec<Entry>,
    /// LMIS facility id to its facility type id.
    pub facility_types: BTreeMap<String, String>,
    /// Facility type id to its code.
    pub facility_type_codes: BTreeMap<String, String>,
    /// LMIS facility id to the ids of the programs it supports.
    pub supported_programs: BTreeMap<String, Vec<String>>,
    /// The LMIS programs asked about.
    pub programs: Vec<Entry>,
    /// Orderables of each program (by program id).
    pub orderables: BTreeMap<String, Vec<Entry>>,
    /// Units per pack of each orderable (by orderable id).
    pub pack_sizes: BTreeMap<String, i64>,
    /// Valid reasons of each program (by program id) at each facility type.
    pub reasons: BTreeMap<String, BTreeMap<String, Vec<ReasonEntry>>>,
}

/// What `mapping suggest` proposes for one program.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    /// DHIS2 org units matched against LMIS facilities.
    pub facilities: Matching,
    /// The forms' products matched against the program's orderables.
    pub products: Matching,
    /// Each movement's reason, once per set of facility types whose valid
    /// reasons give the same answer.
    pub reasons: Vec<ReasonSet>,
}

/// The reasons of the facility types that share them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonSet {
    /// The facility types (codes when the LMIS gives them, else ids).
    pub facility_types: Vec<String>,
    /// Each movement's reason or question.
    pub matches: Vec<ReasonMatch>,
}

/// The suggestion for `program_id`: facilities, the products of `products`
/// (a form's, left empty before there is a form), and reasons named by `wanted`.
pub fn suggest(
    lists: &MasterLists,
    program_id: &str,
    products: &[Entry],
    wanted: &dyn Fn(Movement) -> String,
) -> Suggestion {
    let mut facilities = match_lists(&lists.org_units, &lists.lmis_facilities);
    // An LMIS facility that does not support the program is still
    // proposed, but the evidence says so.
    for p in &mut facilities.proposed {
        if lists
            .supported_programs
            .get(&p.right.id)
            .is_some_and(|ps| !ps.iter().any(|x| x == program_id))
        {
            p.add_evidence(Message::new("match-evidence-not-supported"));
        }
    }
    let orderables = lists
        .orderables
        .get(program_id)
        .cloned()
        .unwrap_or_default();
    let mut products = match_lists(products, &orderables);
    for p in &mut products.proposed {
        if let Some(n) = lists.pack_sizes.get(&p.right.id) {
            p.add_evidence(Message::new("match-evidence-pack").text("count", n.to_string()));
        }
    }
    let mut reasons: Vec<ReasonSet> = Vec::new();
    for (t, r) in lists.reasons.get(program_id).into_iter().flatten() {
        let matches = match_reasons(wanted, r);
        let name = lists.facility_type_codes.get(t).unwrap_or(t).clone();
        match reasons.iter_mut().find(|s| s.matches == matches) {
            Some(set) => set.facility_types.push(name),
            None => reasons.push(ReasonSet {
                facility_types: vec![name],
                matches,
            }),
        }
    }
    Suggestion {
        facilities,
        products,
        reasons,
    }
}

/// One mismatch between a facility map or form and the servers, with the
/// server's candidates (closest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mismatch {
    /// What it is about: `facility HP-001`, `form f reason for losses`…
    /// (English; `subject_message` in any language).
    pub subject: String,
    /// What is wrong, in plain words, with what to do (English;
    /// `problem_message` in any language).
    pub problem: String,
    /// The same as `subject`, as a message.
    #[serde(default)]
    pub subject_message: Message,
    /// The same as `problem`, as a message.
    #[serde(default)]
    pub problem_message: Message,
    /// What the server has instead, closest first.
    pub candidates: Vec<String>,
}

/// A form's LMIS side, as the check needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormLmis {
    /// The form id.
    pub form: String,
    /// The DHIS2 data set, when the form has one.
    pub data_set: Option<String>,
    /// The LMIS program id, when the form has an LMIS part.
    pub program_id: Option<String>,
    /// (local product code, LMIS product code, orderable id).
    pub products: Vec<(String, String, String)>,
    /// (movement, the reason name the form asks for).
    pub reasons: Vec<(Movement, String)>,
}

/// Re-verifies a facility map and forms against the master lists: every
/// mismatch once (a reason missing at three facilities of one type is one
/// line), each with the server's candidates closest first.
pub fn check(
    lists: &MasterLists,
    map: &[crate::model::mapping::Facility],
    forms: &[FormLmis],
) -> Vec<Mismatch> {
    let mut out: Vec<Mismatch> = Vec::new();
    let mut push = |m: Mismatch| {
        if !out.contains(&m) {
            out.push(m);
        }
    };
    let names = |c: Vec<Candidate>| -> Vec<String> {
        c.into_iter()
            .map(|c| match &c.entry.code {
                Some(code) => format!("{} ({code}, {})", c.entry.name, c.entry.id),
                None => format!("{} ({})", c.entry.name, c.entry.id),
            })
            .collect()
    };
    let reports = |f: &crate::model::mapping::Facility, form: &str| {
        f.forms.is_empty() || f.forms.iter().any(|x| x == form)
    };
    for f in map {
        let subject = Message::new("match-subject-facility").text("code", f.code.as_str());
        let needs_dhis2 = forms
            .iter()
            .any(|x| x.data_set.is_some() && reports(f, &x.form));
        let needs_lmis = forms
            .iter()
            .any(|x| x.program_id.is_some() && reports(f, &x.form));
        match &f.dhis2_org_unit {
            Some(ou) if !lists.org_units.iter().any(|e| e.id == *ou) => push(mismatch(
                &subject,
                Message::new("match-check-org-unit-unknown").text("org_unit", ou.as_str()),
                names(closest(&f.name, &lists.org_units)),
            )),
            None if needs_dhis2 => push(mismatch(
                &subject,
                Message::new("match-check-org-unit-missing"),
                names(closest(&f.name, &lists.org_units)),
            )),
            _ => {}
        }
        let by_code = f.lmis_facility_code.as_deref().and_then(|c| {
            lists
                .lmis_facilities
                .iter()
                .find(|e| e.code.as_deref() == Some(c))
        });
        match (&f.lmis_facility_id, &f.lmis_facility_code) {
            (None, None) if needs_lmis => push(mismatch(
                &subject,
                Message::new("match-check-lmis-missing"),
                names(closest(&f.name, &lists.lmis_facilities)),
            )),
            (None, Some(code)) if needs_lmis => push(mismatch(
                &subject,
                match by_code {
                    Some(e) => Message::new("match-check-lmis-id-missing")
                        .text("id", e.id.as_str())
                        .text("code", code.as_str()),
                    None => {
                        Message::new("match-check-lmis-code-unknown").text("code", code.as_str())
                    }
                },
                names(closest(&f.name, &lists.lmis_facilities)),
            )),
            (Some(id), code) => {
                let by_id = lists.lmis_facilities.iter().find(|e| e.id == *id);
                match (by_id, code) {
                    (None, _) => push(mismatch(
                        &subject,
                        Message::new("match-check-lmis-id-unknown").text("id", id.as_str()),
                        names(closest(&f.name, &lists.lmis_facilities)),
                    )),
                    (Some(e), Some(c)) if e.code.as_deref() != Some(c.as_str()) => push(mismatch(
                        &subject,
                        match e.code.as_deref() {
                            Some(actual) => Message::new("match-check-lmis-code-other")
                                .text("code", c.as_str())
                                .text("id", id.as_str())
                                .text("actual", actual),
                            None => Message::new("match-check-lmis-code-other-none")
                                .text("code", c.as_str())
                                .text("id", id.as_str()),
                        },
                        names(closest(&f.name, &lists.lmis_facilities)),
                    )),
                    _ => {}
                }
            }
            _ => {}
        }
        // Programs the facility's LMIS forms need.
        if let Some(id) = &f.lmis_facility_id {
            for x in forms.iter().filter(|x| reports(f, &x.form)) {
                let Some(p) = &x.program_id else { continue };
                if lists
                    .supported_programs
                    .get(id)
                    .is_some_and(|ps| !ps.contains(p))
                {
                    push(mismatch(
                        &subject,
                        Message::new("match-check-program-not-supported")
                            .text("program", p.as_str())
                            .text("form", x.form.as_str()),
                        Vec::new(),
                    ));
                }
            }
        }
    }
    for x in forms {
        let Some(p) = &x.program_id else { continue };
        let form = Message::new("match-subject-form").text("form", x.form.as_str());
        if !lists.programs.iter().any(|e| e.id == *p) {
            push(mismatch(
                &form,
                Message::new("match-check-program-unknown").text("program", p.as_str()),
                names(closest(p, &lists.programs)),
            ));
            continue;
        }
        let orderables = lists.orderables.get(p).cloned().unwrap_or_default();
        for (local, code, id) in &x.products {
            let subject = Message::new("match-subject-product")
                .text("form", x.form.as_str())
                .text("product", local.as_str());
            match orderables.iter().find(|e| e.code.as_deref() == Some(code)) {
                None => push(mismatch(
                    &subject,
                    Message::new("match-check-product-unknown").text("code", code.as_str()),
                    names(closest(local, &orderables)),
                )),
                Some(e) if e.id != *id => push(mismatch(
                    &subject,
                    Message::new("match-check-orderable-other")
                        .text("id", id.as_str())
                        .text("code", code.as_str())
                        .text("actual", e.id.as_str()),
                    Vec::new(),
                )),
                _ => {}
            }
        }
        // Reasons: once per movement, whatever the number of facility types
        // or facilities missing it.
        let types = lists.reasons.get(p).cloned().unwrap_or_default();
        for (m, wanted) in &x.reasons {
            for valid in types.values() {
                // As the route resolves them: the name (or id), else for
                // the default consumed and received names the tagged reason.
                let is_default = *wanted == crate::model::form::ReasonNames::default().name(*m);
                let tag = match m {
                    Movement::Consumed => Some("consumed"),
                    Movement::Received => Some("received"),
                    _ => None,
                };
                let found = valid
                    .iter()
                    .find(|r| r.entry.name.eq_ignore_ascii_case(wanted) || r.entry.id == *wanted)
                    .or_else(|| {
                        valid.iter().find(|r| {
                            is_default && tag.is_some_and(|t| r.tags.iter().any(|x| x == t))
                        })
                    });
                let problem = match found {
                    Some(r) if r.credit == m.is_credit() => continue,
                    Some(r) => Message::new("match-check-reason-direction")
                        .text("name", r.entry.name.as_str())
                        .text("kind", if r.credit { "CREDIT" } else { "DEBIT" })
                        .id("movement", &movement_message_id(*m))
                        .text("needed", if m.is_credit() { "CREDIT" } else { "DEBIT" })
                        .text("key", movement_key(*m)),
                    None => Message::new("match-check-reason-unknown")
                        .text("name", wanted.as_str())
                        .id("movement", &movement_message_id(*m))
                        .text("key", movement_key(*m)),
                };
                let same_way: Vec<Entry> = valid
                    .iter()
                    .filter(|r| r.credit == m.is_credit())
                    .map(|r| r.entry.clone())
                    .collect();
                push(mismatch(
                    &Message::new("match-subject-reason")
                        .text("form", x.form.as_str())
                        .id("movement", &movement_message_id(*m)),
                    problem,
                    ranked(wanted, &same_way)
                        .into_iter()
                        .map(|c| c.entry.name)
                        .collect(),
                ));
            }
        }
    }
    out
}

/// A mismatch about `subject`, its English texts rendered from the messages.
fn mismatch(subject: &Message, problem: Message, candidates: Vec<String>) -> Mismatch {
    Mismatch {
        subject: en(subject),
        problem: en(&problem),
        subject_message: subject.clone(),
        problem_message: problem,
        candidates,
    }
}

/// The key of a movement in `lmis.reasons` (`consumed`, `positive_adjustment`…).
pub fn movement_key(m: Movement) -> &'static str {
    match m {
        Movement::Consumed => "consumed",
        Movement::Received => "received",
        Movement::Losses => "losses",
        Movement::PositiveAdjustment => "positive_adjustment",
        Movement::NegativeAdjustment => "negative_adjustment",
        Movement::CreditCorrection => "credit_correction",
        Movement::DebitCorrection => "debit_correction",
    }
}

/// Applies a person's reason choices to a suggestion: a chosen name the
/// LMIS has (in the right direction) becomes the proposal (basis
/// `Decision`); a name it does not have, or of the wrong direction, is a
/// problem, and the question stays.
pub fn apply_reason_decisions(
    sets: &mut [ReasonSet],
    chosen: &BTreeMap<Movement, String>,
    lmis: &BTreeMap<String, Vec<ReasonEntry>>,
) -> Vec<Message> {
    let mut problems = Vec::new();
    let all: Vec<&ReasonEntry> = lmis.values().flatten().collect();
    for set in sets.iter_mut() {
        for r in &mut set.matches {
            let Some(name) = chosen.get(&r.movement) else {
                continue;
            };
            let found = all.iter().find(|x| {
                x.credit == r.movement.is_credit()
                    && (x.entry.name.eq_ignore_ascii_case(name) || x.entry.id == *name)
            });
            match found {
                Some(x) => {
                    let (evidence, evidence_messages) =
                        evidence(Message::new("match-evidence-decision"));
                    r.proposed = Some(Proposal {
                        left: Entry {
                            id: r.wanted.clone(),
                            code: None,
                            name: r.wanted.clone(),
                        },
                        right: x.entry.clone(),
                        basis: Basis::Decision,
                        confidence: 100,
                        evidence,
                        evidence_messages,
                    });
                }
                None => {
                    let p = Message::new(if r.movement.is_credit() {
                        "match-problem-reason-decision-credit"
                    } else {
                        "match-problem-reason-decision-debit"
                    })
                    .id("movement", &movement_message_id(r.movement))
                    .text("name", name.as_str())
                    .text("types", set.facility_types.join(", "));
                    if !problems.contains(&p) {
                        problems.push(p);
                    }
                }
            }
        }
    }
    problems
}

/// The form's reason names of a decisions file's choices (movements
/// without a choice keep the default, which the LMIS's tag still finds for
/// consumed and received).
pub fn reason_names(chosen: &BTreeMap<Movement, String>) -> crate::model::form::ReasonNames {
    let get = |m: Movement| chosen.get(&m).cloned();
    crate::model::form::ReasonNames {
        consumed: get(Movement::Consumed),
        received: get(Movement::Received),
        losses: get(Movement::Losses),
        positive_adjustment: get(Movement::PositiveAdjustment),
        negative_adjustment: get(Movement::NegativeAdjustment),
        credit_correction: get(Movement::CreditCorrection),
        debit_correction: get(Movement::DebitCorrection),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(id: &str, code: Option<&str>, name: &str) -> Entry {
        Entry {
            id: id.into(),
            code: code.map(str::to_string),
            name: name.into(),
        }
    }

    #[test]
    fn names_lose_case_accents_punctuation_and_common_words() {
        // Expected keys written by hand.
        assert_eq!(normalise("Kalembo Health Post"), "kalembo");
        assert_eq!(normalise("KALEMBO  health-post"), "kalembo");
        assert_eq!(normalise("Poste de Santé de Ndiaye"), "ndiaye");
        assert_eq!(normalise("Centro de Saúde São João"), "sao joao");
        assert_eq!(normalise("Zahanati ya Kisiwani"), "kisiwani");
        assert_eq!(normalise("Kisiwani Dispensary"), "kisiwani");
        // A name of common words only keeps them (it is not empty).
        assert_eq!(normalise("Health Post"), "health post");
    }

    #[test]
    fn codes_first_then_names_and_doubts_are_questions() {
        let dhis2 = vec![
            e("ou1", Some("HC01"), "Kalembo Health Post"),
            e("ou2", None, "Mbanda Health Post"),
            // Two org units with the same name: a duplicate.
            e("ou3", None, "Nyakato Dispensary"),
            e("ou4", None, "Nyakato Health Post"),
            // Nothing like it in the LMIS.
            e("ou5", None, "Tumaini Health Post"),
        ];
        let lmis = vec![
            e("f1", Some("hc01"), "Kalembo HP (renamed)"),
            e("f2", Some("MB-2"), "MBANDA Dispensary"),
            e("f3", Some("NY-3"), "Nyakato Zahanati"),
            e("f4", Some("TU-9"), "Tumayini clinic"),
        ];
        let m = match_lists(&dhis2, &lmis);
        let pairs: Vec<(&str, &str, Basis, u8)> = m
            .proposed
            .iter()
            .map(|p| {
                (
                    p.left.id.as_str(),
                    p.right.id.as_str(),
                    p.basis,
                    p.confidence,
                )
            })
            .collect();
        assert_eq!(
            pairs,
            vec![
                ("ou1", "f1", Basis::Code, 100),
                ("ou2", "f2", Basis::Name, 90)
            ]
        );
        let q: Vec<(&str, Doubt, Vec<&str>)> = m
            .questions
            .iter()
            .map(|q| {
                (
                    q.subject.id.as_str(),
                    q.doubt,
                    q.candidates.iter().map(|c| c.entry.id.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            q,
            vec![
                ("ou3", Doubt::Ambiguous, vec!["f3"]),
                ("ou4", Doubt::Ambiguous, vec!["f3"]),
                ("ou5", Doubt::Unmatched, vec!["f4"]),
            ]
        );
        assert!(
            m.questions[0].why.contains("want the same one"),
            "{:?}",
            m.questions[0]
        );
        // f4 was only a candidate: nothing was proposed for it.
        assert_eq!(m.unused, vec![lmis[3].clone()]);
    }

    #[test]
    fn a_code_shared_by_two_is_never_chosen() {
        let left = vec![e("a", Some("X1"), "Alpha")];
        let right = vec![e("r1", Some("X1"), "Alpha"), e("r2", Some("x1"), "Beta")];
        let m = match_lists(&left, &right);
        assert!(m.proposed.is_empty(), "{:?}", m.proposed);
        assert_eq!(m.questions.len(), 1);
        assert_eq!(m.questions[0].doubt, Doubt::Ambiguous);
        // Closest first: the same name before the other.
        assert_eq!(m.questions[0].candidates[0].entry.id, "r1");
        assert_eq!(m.questions[0].candidates[0].score, 100);
    }

    #[test]
    fn reasons_by_name_then_tag_otherwise_candidates_of_the_right_direction() {
        let r = |id: &str, name: &str, credit: bool, tags: &[&str]| ReasonEntry {
            entry: e(id, None, name),
            credit,
            tags: tags.iter().map(|t| t.to_string()).collect(),
        };
        let lmis = vec![
            r("d", "Dispensed", false, &["consumed"]),
            r("rc", "Received from district", true, &["received"]),
            r("ls", "Loss", false, &[]),
            r("ex", "Expiry", false, &[]),
            r("pa", "Stock count surplus", true, &[]),
        ];
        let names = |m: Movement| {
            crate::model::form::ReasonNames::default()
                .name(m)
                .to_string()
        };
        let got = match_reasons(&names, &lmis);
        let consumed = &got[0];
        assert_eq!(
            consumed
                .proposed
                .as_ref()
                .map(|p| (p.right.id.as_str(), p.basis)),
            Some(("d", Basis::Tag))
        );
        let received = &got[1];
        assert_eq!(
            received.proposed.as_ref().map(|p| p.right.id.as_str()),
            Some("rc")
        );
        // "Lost" is not on this LMIS: no proposal, the debit reasons closest first.
        let losses = &got[2];
        assert_eq!(losses.movement, Movement::Losses);
        assert!(losses.proposed.is_none());
        let ids: Vec<&str> = losses
            .candidates
            .iter()
            .map(|c| c.entry.id.as_str())
            .collect();
        // Loss 75, Dispensed 12 (8 edits of 9), Expiry 0 (no letter shared).
        assert_eq!(ids, vec!["ls", "d", "ex"]);
        // A credit movement is offered credit reasons only.
        let positive = &got[3];
        assert!(
            positive
                .candidates
                .iter()
                .all(|c| c.entry.id == "rc" || c.entry.id == "pa")
        );
    }

    #[test]
    fn decisions_answer_questions_and_open_ones_are_left_out() {
        let dhis2 = vec![
            e("ou1", Some("HC01"), "Kalembo Health Post"),
            e("ou3", None, "Nyakato Dispensary"),
            e("ou4", None, "Nyakato Health Post"),
            e("ou5", None, "Tumaini Health Post"),
        ];
        let lmis = vec![
            e("f1", Some("HC01"), "Kalembo"),
            e("f3", Some("NY-3"), "Nyakato Zahanati"),
        ];
        let m = match_lists(&dhis2, &lmis);
        let d = Decisions::from_json(
            r#"{"version":1,"facilities":[
                {"dhis2_org_unit":"ou4","lmis_facility_code":"ny-3","code":"HP-NY"},
                {"dhis2_org_unit":"ou3","skip":true},
                {"lmis_facility_code":"NOPE"}]}"#,
        )
        .unwrap();
        let b = build_facility_map(&m, &lmis, &d);
        type Row<'a> = (&'a str, Option<&'a str>, Option<&'a str>, Option<&'a str>);
        let got: Vec<Row> = b
            .facilities
            .iter()
            .map(|f| {
                (
                    f.code.as_str(),
                    f.dhis2_org_unit.as_deref(),
                    f.lmis_facility_id.as_deref(),
                    f.lmis_facility_code.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("HC01", Some("ou1"), Some("f1"), Some("HC01")),
                ("HP-NY", Some("ou4"), Some("f3"), Some("NY-3")),
            ]
        );
        // Tumaini was not decided: still a question, not in the map.
        assert_eq!(b.open.len(), 1);
        assert_eq!(b.open[0].subject.id, "ou5");
        assert_eq!(b.problems.len(), 1);
        assert!(
            crate::model::i18n::render(&b.problems[0], "en").contains("NOPE"),
            "{:?}",
            b.problems
        );
    }

    #[test]
    fn a_check_names_each_mismatch_once_with_the_servers_candidates() {
        use crate::model::mapping::Facility;
        let fac = |code: &str, id: Option<&str>, lcode: Option<&str>| Facility {
            code: code.into(),
            name: format!("{code} Health Post"),
            dhis2_org_unit: Some(format!("ou{code}")),
            lmis_facility_id: id.map(str::to_string),
            lmis_facility_code: lcode.map(str::to_string),
            forms: vec![],
        };
        let reason = |id: &str, name: &str, credit: bool| ReasonEntry {
            entry: e(id, None, name),
            credit,
            tags: vec![],
        };
        let mut lists = MasterLists {
            org_units: vec![
                e("ouA", None, "A"),
                e("ouB", None, "B"),
                e("ouC", None, "C"),
            ],
            lmis_facilities: vec![
                e("fA", Some("A"), "A"),
                e("fB", Some("B"), "B"),
                e("fC", Some("C"), "C"),
            ],
            programs: vec![e("p1", Some("P1"), "Family planning")],
            ..MasterLists::default()
        };
        // Two facility types with the same valid reasons.
        let valid = vec![reason("r1", "Loss", false), reason("r2", "Expiry", false)];
        lists.reasons.insert(
            "p1".into(),
            BTreeMap::from([("t1".into(), valid.clone()), ("t2".into(), valid)]),
        );
        // Three facilities; C has an LMIS code but no id.
        let map = vec![
            fac("A", Some("fA"), Some("A")),
            fac("B", Some("fB"), Some("B")),
            fac("C", None, Some("C")),
        ];
        let forms = vec![FormLmis {
            form: "f".into(),
            data_set: Some("ds".into()),
            program_id: Some("p1".into()),
            products: vec![],
            reasons: vec![(Movement::Losses, "Lost".into())],
        }];
        let got = check(&lists, &map, &forms);
        let subjects: Vec<&str> = got.iter().map(|m| m.subject.as_str()).collect();
        assert_eq!(
            subjects,
            vec!["facility C", "form f reason for losses"],
            "{got:#?}"
        );
        assert!(
            got[0]
                .problem
                .contains("lmis_facility_id is missing; the LMIS gives fC"),
            "{got:#?}"
        );
        // The reason line comes once, not per facility or type, with the LMIS's
        // reasons closest first (Loss before Expiry).
        assert_eq!(got[1].candidates, vec!["Loss", "Expiry"]);
    }
}
