//! `cli-sim mock openlmis`: the simulated OpenLMIS in the foreground.

use super::OpenLmisMock;
use std::path::PathBuf;

/// `cli-sim mock openlmis`: run the simulated OpenLMIS in the foreground.
#[derive(Debug, Clone, clap::Args)]
pub struct MockLmisArgs {
    /// The port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8081)]
    pub port: u16,
    /// Faults of the HTTP layer.
    #[command(flatten)]
    pub faults: crate::cli::FaultArgs,
    /// Seed of the fault generator and of generated ids.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Whose master lists to serve: `examples` (made from --forms and
    /// --facilities) or `differing` (a country whose DHIS2 and LMIS lists
    /// differ, for `mapping suggest`).
    #[arg(long, value_enum, default_value_t = crate::cli::World::Examples)]
    pub world: crate::cli::World,
    /// The form definitions folder the reference data is made from (world `examples`).
    #[arg(long, required_if_eq("world", "examples"))]
    pub forms: Option<PathBuf>,
    /// The facility map the facilities are made from.
    #[arg(long, required_if_eq("world", "examples"))]
    pub facilities: Option<PathBuf>,
    /// A program id whose requisition template is stock based (repeatable).
    #[arg(long = "stock-based")]
    pub stock_based: Vec<String>,
    /// Answer uncompressed even to clients that accept gzip (a server with
    /// no compressing proxy in front).
    #[arg(long)]
    pub plain_answers: bool,
    /// Captive portal and hostile answers.
    #[command(flatten)]
    pub hostile: crate::cli::HostileArgs,
    /// Accept a physical inventory whose resourceId was already submitted
    /// (older servers lack this guard): a resent event is then applied twice.
    #[arg(long)]
    pub no_inventory_guard: bool,
}

/// Runs the simulated OpenLMIS with `config` (its reference data, made by
/// the caller from `args.forms` and `args.facilities`) until the process is
/// interrupted (Ctrl-C), printing its URL and credentials. The user and
/// password come from `LMIS_MOCK_USER` / `LMIS_MOCK_PASSWORD` when set (the
/// password is then not printed), `administrator` / `password` otherwise.
pub fn run_cli(args: MockLmisArgs, mut config: super::OpenLmisMockConfig) -> std::io::Result<()> {
    let env_user = std::env::var("LMIS_MOCK_USER")
        .ok()
        .filter(|u| !u.is_empty());
    let env_password = std::env::var("LMIS_MOCK_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    let password_from_env = env_password.is_some();
    let user = env_user.unwrap_or_else(|| "administrator".to_string());
    let password = env_password.unwrap_or_else(|| "password".to_string());
    let home = config
        .users
        .first()
        .map(|u| u.2.clone())
        .unwrap_or_default();
    config.users = vec![(user.clone(), password.clone(), home)];
    config.stock_based_templates = args.stock_based.clone();
    config.gzip_responses = !args.plain_answers;
    config.seed = args.seed;
    config.inventory_guard = !args.no_inventory_guard;
    let mock = OpenLmisMock::start(config, args.port)?;
    mock.faults()
        .set(args.faults.config(&args.hostile, args.seed));
    println!("Simulated OpenLMIS v3 listening on {}", mock.url());
    println!(
        "token: POST {}/api/oauth/token (client user-client:changeme)",
        mock.url()
    );
    println!("user: {user}");
    if password_from_env {
        println!("password: (from LMIS_MOCK_PASSWORD)");
    } else {
        println!("password: {password}");
    }
    println!(
        "faults: POST {0}/__admin/faults, stats: GET {0}/__admin/stats; Ctrl-C stops.",
        mock.url()
    );
    loop {
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faults::FaultConfig;

    #[test]
    fn the_arguments_parse() {
        use clap::{CommandFactory, Parser};
        #[derive(Debug, Parser)]
        struct Cli {
            #[command(flatten)]
            args: MockLmisArgs,
        }
        Cli::command().debug_assert();
        let base = ["mock", "--forms", "f", "--facilities", "m.json"];
        let with = |extra: &[&str]| Cli::try_parse_from(base.iter().chain(extra));
        assert!(with(&["--rate-5xx", "1.5"]).is_err());
        let cli = with(&["--stock-based", "a", "--stock-based", "b", "--seed", "4"]).unwrap();
        assert_eq!(cli.args.port, 8081);
        assert_eq!(cli.args.stock_based, vec!["a", "b"]);
        assert_eq!(cli.args.seed, 4);
        let hostile = with(&[
            "--hostile",
            "html_200",
            "--hostile",
            "too_large_413",
            "--rate-portal",
            "0.25",
            "--hostile-path",
            "/api/stockEvents",
            "--no-inventory-guard",
        ])
        .unwrap();
        assert!(hostile.args.no_inventory_guard);
        let f = hostile.args.hostile.apply(FaultConfig::default());
        assert_eq!(
            f.hostile,
            vec![
                crate::faults::HostileKind::Html200,
                crate::faults::HostileKind::TooLarge413
            ]
        );
        assert_eq!((f.rate_portal, f.rate_hostile), (0.25, 1.0));
        assert_eq!(f.hostile_path.as_deref(), Some("/api/stockEvents"));
        assert!(with(&["--hostile", "teapot"]).is_err());
    }
}
