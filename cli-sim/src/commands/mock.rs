//! `cli-sim mock dhis2|lmis`: a simulated server in the foreground, its
//! metadata made from the agent's form definitions and facility map.

use agent_core::AgentError;
use cli_sim::exit;
use cli_sim::from_forms::{dhis2_config_from_files, lmis_config_from_files};
use sim_servers::dhis2::MockDhis2Args;
use sim_servers::openlmis::MockLmisArgs;

#[derive(Debug, clap::Subcommand)]
pub enum MockServer {
    /// A simulated DHIS2 (Web API: dataValueSets, metadata, faults).
    Dhis2(MockDhis2Args),
    /// A simulated OpenLMIS v3 (auth, reference data, stock events, requisitions, faults).
    Lmis(MockLmisArgs),
}

pub fn run(server: MockServer) -> Result<i32, AgentError> {
    match server {
        MockServer::Lmis(args) => lmis_config_from_files(&args.forms, &args.facilities)
            .and_then(|config| sim_servers::openlmis::run_cli(args, config))
            .map_err(|e| AgentError::Config {
                message: format!("the simulated OpenLMIS could not start: {e}"),
            })?,
        MockServer::Dhis2(args) => dhis2_config_from_files(&args.forms, &args.facilities)
            .and_then(|config| sim_servers::dhis2::run_cli(args, config))
            .map_err(|e| AgentError::Config {
                message: format!("the simulated DHIS2 could not start: {e}"),
            })?,
    }
    Ok(exit::OK)
}
