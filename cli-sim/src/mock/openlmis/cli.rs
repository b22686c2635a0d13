//! `cli-sim mock openlmis`: the simulated OpenLMIS in the foreground.

use super::OpenLmisMock;
use crate::mock::faults::FaultConfig;
use std::path::PathBuf;

fn parse_rate(s: &str) -> Result<f64, String> {
    let r: f64 = s.parse().map_err(|_| format!("'{s}' is not a number"))?;
    if (0.0..=1.0).contains(&r) {
        Ok(r)
    } else {
        Err(format!("{r} is not a rate between 0 and 1"))
    }
}

/// `cli-sim mock openlmis`: run the simulated OpenLMIS in the foreground.
#[derive(Debug, Clone, clap::Args)]
pub struct MockLmisArgs {
    /// The port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8081)]
    pub port: u16,
    /// Milliseconds added before every response.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Bandwidth limit for request and response bodies, in bytes per second (0: none).
    #[arg(long, default_value_t = 0)]
    pub bandwidth: u64,
    /// Share of requests answered 503 by a "proxy" (0 to 1).
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate)]
    pub rate_5xx: f64,
    /// Share of requests answered 429 with Retry-After (0 to 1).
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate)]
    pub rate_429: f64,
    /// The Retry-After of injected 429 answers, in seconds.
    #[arg(long, default_value_t = 1)]
    pub retry_after: u64,
    /// Share of requests processed and then dropped without an answer (0 to 1).
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate)]
    pub drop_after_commit: f64,
    /// Share of requests closed without processing (0 to 1).
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate)]
    pub close_before_commit: f64,
    /// Start down (connections refused) for this many seconds.
    #[arg(long, default_value_t = 0.0)]
    pub down_for: f64,
    /// Seed of the fault generator and of generated ids.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The form definitions folder the reference data is made from.
    #[arg(long)]
    pub forms: PathBuf,
    /// The facility map the facilities are made from.
    #[arg(long)]
    pub facilities: PathBuf,
    /// A program id whose requisition template is stock based (repeatable).
    #[arg(long = "stock-based")]
    pub stock_based: Vec<String>,
    /// Answer uncompressed even to clients that accept gzip (a server with
    /// no compressing proxy in front).
    #[arg(long)]
    pub plain_answers: bool,
    /// Captive portal and hostile answers.
    #[command(flatten)]
    pub hostile: crate::mock::hostile::HostileArgs,
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
    mock.faults().set(args.hostile.apply(FaultConfig {
        latency_ms: args.latency_ms,
        bandwidth_bytes_per_sec: args.bandwidth,
        rate_5xx: args.rate_5xx,
        rate_429: args.rate_429,
        retry_after_secs: args.retry_after,
        rate_drop_after_commit: args.drop_after_commit,
        rate_close_before_commit: args.close_before_commit,
        down_for_secs: args.down_for,
        seed: args.seed,
        ..FaultConfig::default()
    }));
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
                crate::mock::faults::HostileKind::Html200,
                crate::mock::faults::HostileKind::TooLarge413
            ]
        );
        assert_eq!((f.rate_portal, f.rate_hostile), (0.25, 1.0));
        assert_eq!(f.hostile_path.as_deref(), Some("/api/stockEvents"));
        assert!(with(&["--hostile", "teapot"]).is_err());
    }

    /// One request over a fresh connection; the status and the body.
    fn raw(port: u16, head: &str) -> Option<(u16, String)> {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
        s.write_all(head.as_bytes()).ok()?;
        let mut text = String::new();
        s.read_to_string(&mut text).ok()?;
        let status = text.get(9..12)?.parse().ok()?;
        Some((status, text.split("\r\n\r\n").nth(1)?.to_string()))
    }

    #[test]
    fn the_cli_serves_the_example_forms() {
        let dir = tempfile::tempdir().unwrap();
        crate::demo::write_example_setup(dir.path()).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let args = MockLmisArgs {
            port,
            latency_ms: 0,
            bandwidth: 0,
            rate_5xx: 0.0,
            rate_429: 0.0,
            retry_after: 1,
            drop_after_commit: 0.0,
            close_before_commit: 0.0,
            down_for: 0.0,
            seed: 1,
            forms: dir.path().join("forms"),
            facilities: dir.path().join("facilities.json"),
            stock_based: Vec::new(),
            plain_answers: false,
            hostile: Default::default(),
            no_inventory_guard: false,
        };
        // The server runs until the test process ends.
        let config =
            crate::mock::from_forms::lmis_config_from_files(&args.forms, &args.facilities).unwrap();
        std::thread::spawn(move || run_cli(args, config));
        let login = "POST /api/oauth/token?grant_type=password&username=administrator&password=password HTTP/1.1\r\n\
                     Authorization: Basic dXNlci1jbGllbnQ6Y2hhbmdlbWU=\r\n\
                     Content-Length: 0\r\nConnection: close\r\n\r\n";
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let (status, body) = loop {
            if let Some(a) = raw(port, login) {
                break a;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the CLI server never answered"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        if std::env::var_os("LMIS_MOCK_USER").is_none()
            && std::env::var_os("LMIS_MOCK_PASSWORD").is_none()
        {
            assert_eq!(status, 200, "{body}");
            assert!(body.contains("access_token"));
        } else {
            assert!(status == 200 || status == 400, "{body}");
        }
        let (status, _) = raw(
            port,
            "GET /api/programs HTTP/1.1\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
        assert_eq!(status, 401);
    }
}
