//! User-facing text as data: a [`Message`] is a stable id and named
//! arguments; [`render`] turns it into text in a locale, through Fluent.
//!
//! The locales `en`, `fr`, `pt` and `sw` are embedded at build time
//! (`agent-core/locales/<locale>/*.ftl`, see [`EMBEDDED`]); a country team
//! adds a locale as one folder of `.ftl` files, loaded at run time with
//! [`Catalog::from_sources`] (read from disk by `files::load_locale_dir`).
//! English is the fallback for a locale the agent does not have and for an
//! id a locale lacks; a message no locale has renders as its id. Plurals
//! follow each language's CLDR rules (Fluent's `[one]`/`[other]`…).
//!
//! This module is a pure leaf: it imports nothing from the crate and does
//! no I/O, so `model` and `validate` may use it.
//!
//! Rule: user-facing text is a `Message` rendered here; `format!` only for
//! text no user reads (logs, keys, paths).

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;
use unic_langid::LanguageIdentifier;

mod ids;
pub use ids::{MESSAGES, MessageSpec};

/// The locale used when none is asked for, and the fallback of every other.
pub const DEFAULT_LOCALE: &str = "en";

/// The `.ftl` files of one locale folder, in a fixed order: findings,
/// sync (states, failures, refusals), cli (cli-sim's output), errors,
/// tools (cli-sim's set-up and support commands, the interactive recorder).
macro_rules! embed {
    ($tag:literal) => {
        [
            include_str!(concat!("../../../locales/", $tag, "/findings.ftl")),
            include_str!(concat!("../../../locales/", $tag, "/sync.ftl")),
            include_str!(concat!("../../../locales/", $tag, "/cli.ftl")),
            include_str!(concat!("../../../locales/", $tag, "/errors.ftl")),
            include_str!(concat!("../../../locales/", $tag, "/tools.ftl")),
        ]
    };
}

/// The locales built into the agent: tag and the text of its `.ftl` files.
pub const EMBEDDED: &[(&str, &[&str])] = &[
    ("en", &embed!("en")),
    ("fr", &embed!("fr")),
    ("pt", &embed!("pt")),
    ("sw", &embed!("sw")),
];

/// A user-facing message: a stable id (e.g. `finding-stock-balance`) and
/// its named arguments. Shells may render it with their own resources.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Message {
    /// The message id, the same in every locale.
    pub id: String,
    /// The named arguments, in the order the code gives them.
    pub args: Vec<MessageArg>,
}

/// One named argument of a [`Message`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MessageArg {
    /// The variable's name in the `.ftl` files (without `$`).
    pub name: String,
    /// Its value.
    pub value: ArgValue,
}

/// The value of a message argument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "type")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ArgValue {
    /// Text shown as it is: a name, a code, a date, a label from the form.
    Text {
        /// The text.
        value: String,
    },
    /// A whole number (plural rules select on it).
    Number {
        /// The number.
        value: i64,
    },
    /// A number with one decimal (months of stock), kept in tenths so that
    /// messages stay comparable; plural rules select on its value.
    Decimal {
        /// The number times ten.
        tenths: i64,
    },
    /// Another message (without arguments), rendered in the same locale:
    /// e.g. the name of a stock quantity.
    Id {
        /// Its id.
        id: String,
    },
}

impl Message {
    /// A message without arguments.
    pub fn new(id: &str) -> Message {
        Message {
            id: id.to_string(),
            args: Vec::new(),
        }
    }

    /// Adds a text argument.
    pub fn text(mut self, name: &str, value: impl Into<String>) -> Message {
        self.args.push(MessageArg {
            name: name.to_string(),
            value: ArgValue::Text {
                value: value.into(),
            },
        });
        self
    }

    /// Adds a number argument.
    pub fn num(mut self, name: &str, value: i64) -> Message {
        self.args.push(MessageArg {
            name: name.to_string(),
            value: ArgValue::Number { value },
        });
        self
    }

    /// Adds a number with one decimal (rounded to the nearest tenth).
    pub fn decimal(mut self, name: &str, value: f64) -> Message {
        let tenths = (value * 10.0).round();
        let tenths = if tenths.is_finite() { tenths as i64 } else { 0 };
        self.args.push(MessageArg {
            name: name.to_string(),
            value: ArgValue::Decimal { tenths },
        });
        self
    }

    /// A message stored as JSON (the outbox's schema 7 columns), if it is
    /// one this build can render: a value it cannot read, or a message id
    /// its English catalog does not have (a message renamed or removed in a
    /// later release), is left to the English text stored beside it, so
    /// that no user ever reads a bare id.
    pub fn from_stored(json: Option<&str>) -> Option<Message> {
        let m: Message = json.and_then(|j| serde_json::from_str(j).ok())?;
        catalog(DEFAULT_LOCALE)
            .and_then(|c| c.try_render(&m))
            .map(|_| m)
    }

    /// Adds an argument that is another message's text.
    pub fn id(mut self, name: &str, id: &str) -> Message {
        self.args.push(MessageArg {
            name: name.to_string(),
            value: ArgValue::Id { id: id.to_string() },
        });
        self
    }
}

/// The messages of one locale.
pub struct Catalog {
    tag: String,
    bundle: FluentBundle<FluentResource>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog").field("tag", &self.tag).finish()
    }
}

impl Catalog {
    /// A catalog for locale `tag` from the text of its `.ftl` files. Every
    /// syntax error and every id given twice is returned, with its file's
    /// index, as plain words for whoever wrote the file.
    pub fn from_sources(tag: &str, sources: &[&str]) -> Result<Catalog, Vec<String>> {
        let lang: LanguageIdentifier = tag
            .parse()
            .map_err(|_| vec![format!("'{tag}' is not a language tag such as sw or pt-BR")])?;
        let mut bundle = FluentBundle::new_concurrent(vec![lang]);
        // No Unicode isolation marks around arguments: the output goes to
        // terminals and plain text fields as well as to apps.
        bundle.set_use_isolating(false);
        if decimal_comma(tag) {
            bundle.set_formatter(Some(number_with_comma));
        }
        let mut problems = Vec::new();
        for (i, src) in sources.iter().enumerate() {
            let res = match FluentResource::try_new(src.to_string()) {
                Ok(r) => r,
                Err((r, errors)) => {
                    problems.extend(errors.iter().map(|e| format!("file {i}: {e}")));
                    r
                }
            };
            if let Err(errors) = bundle.add_resource(res) {
                problems.extend(errors.iter().map(|e| format!("file {i}: {e}")));
            }
        }
        if problems.is_empty() {
            Ok(Catalog {
                tag: tag.to_string(),
                bundle,
            })
        } else {
            Err(problems)
        }
    }

    /// The English catalog with every text made pseudo-localized (accented
    /// and a third longer, arguments untouched): text that comes out of the
    /// agent in plain ASCII letters did not go through a message.
    pub fn pseudo() -> Catalog {
        let english = EMBEDDED
            .iter()
            .find(|(tag, _)| *tag == DEFAULT_LOCALE)
            .map(|(_, s)| *s)
            .unwrap_or(&[]);
        // The English files parse (tested), so this is the English catalog.
        let mut c = Catalog::from_sources("en-XA", english).unwrap_or_else(|_| Catalog {
            tag: "en-XA".into(),
            bundle: FluentBundle::new_concurrent(Vec::new()),
        });
        c.bundle.set_transform(Some(pseudo_text));
        c
    }

    /// The locale tag of this catalog.
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// Whether this catalog has message `id`.
    pub fn has(&self, id: &str) -> bool {
        self.bundle.has_message(id)
    }

    /// `msg` in this locale, or `None` when the catalog lacks its id (or
    /// an id it refers to) or the text does not render.
    pub fn try_render(&self, msg: &Message) -> Option<String> {
        let mut args = FluentArgs::new();
        for a in &msg.args {
            let value = match &a.value {
                ArgValue::Text { value } => FluentValue::from(value.clone()),
                ArgValue::Number { value } => FluentValue::from(*value),
                ArgValue::Decimal { tenths } => FluentValue::from(*tenths as f64 / 10.0),
                ArgValue::Id { id } => FluentValue::from(self.try_render(&Message::new(id))?),
            };
            args.set(a.name.clone(), value);
        }
        let pattern = self.bundle.get_message(&msg.id)?.value()?;
        let mut errors = Vec::new();
        let text = self
            .bundle
            .format_pattern(pattern, Some(&args), &mut errors);
        errors.is_empty().then(|| text.into_owned())
    }

    /// `msg` in this locale, else in English, else its id.
    pub fn render(&self, msg: &Message) -> String {
        self.try_render(msg)
            .unwrap_or_else(|| render(msg, DEFAULT_LOCALE))
    }
}

/// Languages that write a decimal comma (CLDR): 1,5 in French and
/// Portuguese, 1.5 in English and Swahili.
const DECIMAL_COMMA: &[&str] = &[
    "fr", "pt", "es", "de", "it", "nl", "ru", "pl", "ro", "tr", "id", "uk", "cs", "da", "nb", "sv",
    "fi", "el", "vi", "ln", "rw", "mg", "so", "ca",
];

/// Whether locale `tag` writes a decimal comma.
fn decimal_comma(tag: &str) -> bool {
    DECIMAL_COMMA.contains(&language_of(tag).as_str())
}

/// Fluent's number formatting with a decimal comma (`NUMBER($x,
/// minimumFractionDigits: 1)` and plain numbers alike).
fn number_with_comma<M>(value: &FluentValue, _: &M) -> Option<String> {
    match value {
        FluentValue::Number(n) => Some(n.as_string().replace('.', ",")),
        _ => None,
    }
}

/// `value` with `places` decimals as `locale` writes it (`1.97` in English
/// and Swahili, `1,97` in French and Portuguese): for numbers a shell
/// lays out itself, e.g. in a table.
pub fn decimal(value: f64, places: usize, locale: &str) -> String {
    let text = format!("{value:.places$}");
    if decimal_comma(locale) {
        text.replace('.', ",")
    } else {
        text
    }
}

/// Accents every ASCII letter and lengthens the text by about a third
/// (at least one mark for any text with letters).
pub fn pseudo_text(s: &str) -> std::borrow::Cow<'_, str> {
    const FROM: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const TO: &str = "àƀçđéƒĝĥîĵķĺɱñöþǫŕšţûṽŵẋýžÀƁÇĐÉƑĜĤÎĴĶĹṀÑÖÞǪŔŠŢÛṼŴẊÝŽ";
    let mut out = String::with_capacity(s.len() * 2);
    let mut letters = 0usize;
    for c in s.chars() {
        match FROM.find(c).and_then(|i| TO.chars().nth(i)) {
            Some(a) => {
                letters += 1;
                out.push(a);
                if letters.is_multiple_of(3) {
                    out.push('~');
                }
            }
            None => out.push(c),
        }
    }
    // Short words (`ok`) are lengthened too.
    if !letters.is_multiple_of(3) {
        out.push('~');
    }
    std::borrow::Cow::Owned(out)
}

/// The problems of a message against the list of messages ([`MESSAGES`]):
/// an id not listed, an argument the list does not name, a listed argument
/// not given. Empty: the message is as the `.ftl` files expect it.
pub fn check_args(msg: &Message) -> Vec<String> {
    let Some(spec) = MESSAGES.iter().find(|s| s.id == msg.id) else {
        return vec![format!("message id '{}' is not in i18n::MESSAGES", msg.id)];
    };
    let mut problems = Vec::new();
    for a in &msg.args {
        if !spec.args.contains(&a.name.as_str()) {
            problems.push(format!("{}: argument ${} is not listed", msg.id, a.name));
        }
        if let ArgValue::Id { id } = &a.value
            && !MESSAGES.iter().any(|s| s.id == id && s.args.is_empty())
        {
            problems.push(format!(
                "{}: ${} names '{id}', not a message without arguments",
                msg.id, a.name
            ));
        }
    }
    for name in spec.args {
        if !msg.args.iter().any(|a| a.name == *name) {
            problems.push(format!("{}: argument ${name} is not given", msg.id));
        }
    }
    problems
}

fn embedded() -> &'static [Catalog] {
    static CATALOGS: OnceLock<Vec<Catalog>> = OnceLock::new();
    CATALOGS.get_or_init(|| {
        EMBEDDED
            .iter()
            // The embedded files are checked by tests; one that did not
            // parse would only leave its locale to the English fallback.
            .filter_map(|(tag, sources)| Catalog::from_sources(tag, sources).ok())
            .collect()
    })
}

/// The embedded catalog for `locale` (`sw`, `pt-BR`, `fr_SN.UTF-8`…: the
/// language is what counts), if the agent has it.
pub fn catalog(locale: &str) -> Option<&'static Catalog> {
    let lang = language_of(locale);
    embedded().iter().find(|c| c.tag == lang)
}

/// The language subtag of a locale as shells and `LANG` write it:
/// `fr_SN.UTF-8` is `fr`, `pt-BR` is `pt`.
pub fn language_of(locale: &str) -> String {
    locale
        .split(['.', '@'])
        .next()
        .unwrap_or("")
        .split(['_', '-'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Whether the agent has an embedded locale for `locale`.
pub fn is_supported(locale: &str) -> bool {
    catalog(locale).is_some()
}

/// `msg` in `locale`, falling back to English, and to its id when no
/// locale has it. Never panics.
pub fn render(msg: &Message, locale: &str) -> String {
    if let Some(text) = catalog(locale).and_then(|c| c.try_render(msg)) {
        return text;
    }
    catalog(DEFAULT_LOCALE)
        .and_then(|c| c.try_render(msg))
        .unwrap_or_else(|| msg.id.clone())
}

/// Messages whose text arguments still carry English from elsewhere in the
/// agent (the period parser's explanation, the LMIS reference check): not
/// yet messages of their own (issue 15, later work).
#[cfg(test)]
pub(crate) const ENGLISH_ARGS: &[&str] = &["finding-period-invalid", "finding-lmis-mapping"];
// (finding-period-invalid now only for an unknown period type name.)

/// Arguments that carry names, labels, codes, units and advice from the
/// form, the facility map or the draft (shown as they are in any locale),
/// or numbers and dates written as text.
#[cfg(test)]
const NAME_ARGS: &[&str] = &[
    "form",
    "known",
    "facility",
    "name",
    "code",
    "period",
    "start",
    "end",
    "field",
    "label",
    "unit",
    "product",
    "previous_period",
    "left",
    "right",
    "advice",
    "key",
    "path",
    "text",
    "value",
    "number",
    "char",
    "char1",
    "char2",
    "char3",
    "left_value",
    "right_value",
    "ratio",
    "min",
    "max",
    "input",
];

/// Test helper: renders `msg` in the pseudo-locale and fails on any word of
/// plain ASCII letters that is not the value of a name argument
/// ([`NAME_ARGS`]): such a word was written in code, not in a `.ftl` file
/// (e.g. English words passed as an argument).
#[cfg(test)]
pub(crate) fn assert_pseudo_clean(msg: &Message) {
    static PSEUDO: OnceLock<Catalog> = OnceLock::new();
    let pseudo = PSEUDO.get_or_init(Catalog::pseudo);
    assert!(!msg.id.is_empty(), "a finding without a message id");
    if ENGLISH_ARGS.contains(&msg.id.as_str()) {
        return;
    }
    let mut text = pseudo
        .try_render(msg)
        .unwrap_or_else(|| panic!("{} does not render", msg.id));
    let mut values: Vec<&str> = msg
        .args
        .iter()
        .filter_map(|a| match &a.value {
            ArgValue::Text { value } if NAME_ARGS.contains(&a.name.as_str()) => {
                Some(value.as_str())
            }
            _ => None,
        })
        .collect();
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    for v in values.into_iter().filter(|v| !v.is_empty()) {
        text = text.replace(v, " ");
    }
    let plain: Vec<&str> = text
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| w.len() >= 2 && !["DHIS", "LMIS"].contains(w))
        .collect();
    assert!(
        plain.is_empty(),
        "{}: plain text {plain:?} in {text}",
        msg.id
    );
}

#[cfg(test)]
mod tests;
