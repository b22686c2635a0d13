//! `cli-sim export`, `import` and `keygen`: escrow files (issue 17), a
//! district's way to get a broken or reassigned device's unsent forms out
//! and onto another device. Presentation only; the work is in
//! `agent_core::escrow` through `Agent`.

use agent_core::escrow::{ExportScope, ExportSummary, ImportReport};
use agent_core::{Agent, AgentError};
use cli_sim::exit;
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
    let mut t = format!(
        "wrote {} form(s), {} revision(s), {} with a delivery still to make, to {} (encrypted; only the district key opens it)\n",
        s.forms,
        s.revisions,
        s.undelivered,
        out.display()
    );
    if s.marked_for_look_up > 0 {
        t.push_str(&format!(
            "this device will look its {} LMIS deliver{} up in the LMIS before sending, so nothing is sent twice once the file is imported elsewhere\n",
            s.marked_for_look_up,
            if s.marked_for_look_up == 1 { "y" } else { "ies" }
        ));
    }
    if let Some(n) = &s.note {
        t.push_str(&format!("note: {n}\n"));
    }
    t
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
    let mut t = format!(
        "imported {} revision(s); {} deliver{} queued for the next sync\n",
        r.imported.len(),
        r.queued,
        if r.queued == 1 { "y" } else { "ies" }
    );
    for i in &r.imported {
        t.push_str(&format!(
            "  added    {} {} {} revision {} ({})\n",
            agent_core::draft::visible(&i.facility),
            agent_core::draft::visible(&i.form),
            i.period,
            i.revision,
            i.id
        ));
    }
    if !r.skipped.is_empty() {
        t.push_str(&format!(
            "skipped {} revision(s) already in this outbox with the same contents:\n",
            r.skipped.len()
        ));
        for i in &r.skipped {
            t.push_str(&format!(
                "  skipped  {} {} {} revision {} ({})\n",
                agent_core::draft::visible(&i.facility),
                agent_core::draft::visible(&i.form),
                i.period,
                i.revision,
                i.id
            ));
        }
    }
    t
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
        "secret key written to {} (keep it safe and off the devices; without it no export can be opened). Give devices the public key above: cli-sim export --unsent --to {public} --out FILE",
        args.out.display()
    );
    Ok(exit::OK)
}

/// Pretty JSON on stdout (shared by the escrow and diagnose commands).
pub(crate) fn print_json<T: serde::Serialize>(v: &T) {
    match serde_json::to_string_pretty(v) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("error: cannot print JSON: {e}"),
    }
}
