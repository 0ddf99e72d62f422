use roadmap_api::configuration::Cli;
use roadmap_api::{commands, telemetry};

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse_command_line();
    let _log_writer = telemetry::init(cli.log_format());
    commands::run(cli).await
}
