//! `cli-sim mock dhis2`: the simulated DHIS2 in the foreground.

use super::*;

/// `cli-sim mock dhis2`: run the simulated DHIS2 in the foreground.
#[derive(Debug, Clone, clap::Args)]
pub struct MockDhis2Args {
    /// The port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// The DHIS2 version to answer like: 2.37, 2.40 or 2.43 (other 2.x map to their family).
    #[arg(long = "dhis2-version", default_value = "2.40")]
    pub dhis2_version: VersionFamily,
    /// Faults of the HTTP layer.
    #[command(flatten)]
    pub faults: crate::cli::FaultArgs,
    /// Seed of the fault generator.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Extra personal access tokens to accept (`Authorization: ApiToken …`).
    #[arg(long = "token")]
    pub tokens: Vec<String>,
    /// Do not inflate gzip bodies (like a server that does not sniff them).
    #[arg(long)]
    pub no_gzip: bool,
    /// Answer uncompressed even to clients that accept gzip (a server with
    /// no compressing proxy in front).
    #[arg(long)]
    pub plain_answers: bool,
    /// Captive portal and hostile answers.
    #[command(flatten)]
    pub hostile: crate::cli::HostileArgs,
    /// Whose master lists to serve: `examples` (made from --forms and
    /// --facilities) or `differing` (a country whose DHIS2 and LMIS lists
    /// differ, for `mapping suggest`).
    #[arg(long, value_enum, default_value_t = crate::cli::World::Examples)]
    pub world: crate::cli::World,
    /// The form definitions folder the metadata is made from (world `examples`).
    #[arg(long, required_if_eq("world", "examples"))]
    pub forms: Option<PathBuf>,
    /// The facility map the org units are made from.
    #[arg(long, required_if_eq("world", "examples"))]
    pub facilities: Option<PathBuf>,
}

/// Runs the simulated DHIS2 with `config` (its metadata, made by the
/// caller from `args.forms` and `args.facilities`) until the process is
/// interrupted (Ctrl-C), printing its URL and credentials. The user and
/// password come from `DHIS2_MOCK_USER` / `DHIS2_MOCK_PASSWORD` when set
/// (the password is then not printed), `admin` / `district` otherwise.
pub fn run_cli(args: MockDhis2Args, mut config: Dhis2MockConfig) -> std::io::Result<()> {
    let env_user = std::env::var("DHIS2_MOCK_USER")
        .ok()
        .filter(|u| !u.is_empty());
    let env_password = std::env::var("DHIS2_MOCK_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    let password_from_env = env_password.is_some();
    let user = env_user.unwrap_or_else(|| "admin".to_string());
    let password = env_password.unwrap_or_else(|| "district".to_string());
    config.users = vec![(user.clone(), password.clone())];
    config.tokens = args.tokens.clone();
    config.version = args.dhis2_version;
    config.gzip = !args.no_gzip;
    config.gzip_responses = !args.plain_answers;
    config.seed = args.seed;
    let mock = Dhis2Mock::start(config, args.port)?;
    mock.faults()
        .set(args.faults.config(&args.hostile, args.seed));
    println!(
        "Simulated DHIS2 {} listening on {}",
        args.dhis2_version.version_string(),
        mock.url()
    );
    println!("user: {user}");
    if password_from_env {
        println!("password: (from DHIS2_MOCK_PASSWORD)");
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
