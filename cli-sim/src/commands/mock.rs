//! `cli-sim mock dhis2|lmis`: a simulated server in the foreground, its
//! metadata made from the agent's form definitions and facility map, or
//! the differing world's (`--world differing`).

use agent_core::AgentError;
use cli_sim::exit;
use cli_sim::from_forms::{dhis2_config_from_files, lmis_config_from_files};
use sim_servers::cli::World;
use sim_servers::dhis2::{Dhis2MockConfig, MockDhis2Args};
use sim_servers::openlmis::{MockLmisArgs, OpenLmisMockConfig};
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum MockServer {
    /// A simulated DHIS2 (Web API: dataValueSets, metadata, faults).
    Dhis2(MockDhis2Args),
    /// A simulated OpenLMIS v3 (auth, reference data, stock events, requisitions, faults).
    Lmis(MockLmisArgs),
}

/// The example files of `--world examples` (clap requires them there).
fn files(
    forms: &Option<PathBuf>,
    facilities: &Option<PathBuf>,
) -> std::io::Result<(PathBuf, PathBuf)> {
    match (forms, facilities) {
        (Some(f), Some(m)) => Ok((f.clone(), m.clone())),
        _ => Err(std::io::Error::other(
            "give --forms and --facilities, or --world differing",
        )),
    }
}

pub fn run(server: MockServer) -> Result<i32, AgentError> {
    match server {
        MockServer::Lmis(args) => match args.world {
            World::Differing => Ok(OpenLmisMockConfig::differing_world()),
            World::Examples => files(&args.forms, &args.facilities)
                .and_then(|(f, m)| lmis_config_from_files(&f, &m)),
        }
        .and_then(|config| sim_servers::openlmis::run_cli(args, config))
        .map_err(|e| AgentError::Config {
            message: format!("the simulated OpenLMIS could not start: {e}"),
        })?,
        MockServer::Dhis2(args) => match args.world {
            World::Differing => Ok(Dhis2MockConfig::differing_world()),
            World::Examples => files(&args.forms, &args.facilities)
                .and_then(|(f, m)| dhis2_config_from_files(&f, &m)),
        }
        .and_then(|config| sim_servers::dhis2::run_cli(args, config))
        .map_err(|e| AgentError::Config {
            message: format!("the simulated DHIS2 could not start: {e}"),
        })?,
    }
    Ok(exit::OK)
}
