//! `cli-sim export`, `import` and `keygen`: escrow files (issue 17), a
//! district's way to get a broken or reassigned device's unsent forms out
//! and onto another device. Presentation only; the work is in
//! `agent_core::escrow` through `Agent`.

use agent_core::Message;
use agent_core::draft::visible as v;
use agent_core::escrow::{ExportScope, ExportSummary, ImportReport};
use agent_core::{Agent, AgentError};
use cli_sim::exit;
use cli_sim::show::t;
use std::path::PathBuf;

/// `cli-sim export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Every form with a delivery still to make, with all its revisions (the default).
    #[arg(long, conflicts_with = "all")]
    pub unsent: bool,
    /// Everything in the outbox, delivered forms included.
    #[arg(long)]
    pub all: bool,
    /// The district's age public key (age1..., from `cli-sim keygen` or age-keygen).
    #[arg(long, value_name = "PUBLIC_KEY")]
    pub to: String,
    /// The file to write (written as FILE.tmp, then renamed; never in clear).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `cli-sim import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The escrow file.
    pub file: PathBuf,
    /// The district's secret key file (as written by `cli-sim keygen` or age-keygen).
    #[arg(long, value_name = "KEYFILE")]
    pub identity: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `cli-sim keygen`.
#[derive(Debug, clap::Args)]
pub struct KeygenArgs {
    /// Where to write the secret key (readable by the owner only; never
    /// overwritten). Keep it off the devices; give them the public key.
    #[arg(long, value_name = "KEYFILE")]
    pub out: PathBuf,
}

/// Writes the export file and says what it holds.
pub fn export(agent: &Agent, args: ExportArgs) -> Result<i32, AgentError> {
    let scope = if args.all {
        ExportScope::All
    } else {
        ExportScope::Unsent
    };
    let s = agent.export_to_file(&args.to, scope, &args.out)?;
    if args.json {
        print_json(&s);
    } else {
        print!("{}", export_text(&s, &args.out));
    }
    Ok(exit::OK)
}

fn export_text(s: &ExportSummary, out: &std::path::Path) -> String {
    let mut text = t(&Message::new("tool-export-written")
        .num("forms", s.forms as i64)
        .num("revisions", s.revisions as i64)
        .num("undelivered", s.undelivered as i64)
        .text("path", out.display().to_string()));
    text.push('\n');
    if s.marked_for_look_up > 0 {
        text.push_str(&t(
            &Message::new("tool-export-look-up").num("count", s.marked_for_look_up as i64)
        ));
        text.push('\n');
    }
    if let Some(n) = &s.note {
        text.push_str(&t(&Message::new("show-note").text("note", n.as_str())));
        text.push('\n');
    }
    text
}

/// Imports an escrow file and lists what was added and skipped.
pub fn import(agent: &Agent, args: ImportArgs) -> Result<i32, AgentError> {
    let r = agent.import_file(&args.file, &args.identity)?;
    if args.json {
        print_json(&r);
    } else {
        print!("{}", import_text(&r));
    }
    Ok(exit::OK)
}

fn import_text(r: &ImportReport) -> String {
    let mut text = t(&Message::new("tool-import-report")
        .num("count", r.imported.len() as i64)
        .num("queued", r.queued as i64));
    text.push('\n');
    let item = |id: &str, i: &agent_core::escrow::ImportedRevision| {
        format!(
            "  {}\n",
            t(&Message::new(id)
                .text("facility", v(&i.facility))
                .text("form", v(&i.form))
                .text("period", i.period.to_string())
                .num("revision", i64::from(i.revision))
                .text("id", i.id.to_string()))
        )
    };
    for i in &r.imported {
        text.push_str(&item("tool-import-added", i));
    }
    if !r.skipped.is_empty() {
        text.push_str(&t(
            &Message::new("tool-import-skipped-title").num("count", r.skipped.len() as i64)
        ));
        text.push('\n');
        for i in &r.skipped {
            text.push_str(&item("tool-import-skipped", i));
        }
    }
    text
}

/// Makes a district key pair: the secret key into a new owner-only file,
/// the public key printed.
pub fn keygen(args: KeygenArgs) -> Result<i32, AgentError> {
    use std::io::Write;
    let (secret_file, public) = agent_core::escrow::generate_key(chrono::Utc::now());
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let written = opts.open(&args.out).and_then(|mut f| {
        f.write_all(secret_file.as_bytes())
            .and_then(|()| f.sync_all())
    });
    if let Err(e) = written {
        return Err(AgentError::StorageUnavailable {
            message: format!(
                "the key file {} could not be written ({e}); an existing key file is never overwritten",
                args.out.display()
            ),
        });
    }
    println!("{public}");
    eprintln!(
        "{}",
        t(&Message::new("tool-keygen-written")
            .text("path", args.out.display().to_string())
            .text("key", public.as_str()))
    );
    Ok(exit::OK)
}

/// Pretty JSON on stdout (shared by the escrow and diagnose commands).
pub(crate) fn print_json<T: serde::Serialize>(v: &T) {
    match serde_json::to_string_pretty(v) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!(
            "{}",
            cli_sim::show::t(
                &agent_core::Message::new("tool-json-error").text("detail", e.to_string())
            )
        ),
    }
}
