use std::process::ExitCode;

use roadmap_api::configuration::Cli;
use roadmap_api::{commands, telemetry};

#[actix_web::main]
async fn main() -> ExitCode {
    let cli = Cli::parse_command_line();
    let result = {
        // Dropped before the error is printed, so that the queued log lines come first.
        let _log_writer = telemetry::init(cli.log_format());
        commands::run(cli).await
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", describe(&error));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, each said once: a message often quotes its cause
/// (`cannot read F: No such file`), and a context may repeat what its cause says.
fn describe(error: &anyhow::Error) -> String {
    let messages: Vec<String> = error.chain().map(ToString::to_string).collect();
    let said_elsewhere = |i: usize, message: &str| {
        messages.iter().enumerate().any(|(j, other)| {
            j != i && other.contains(message) && (other.len() > message.len() || j < i)
        })
    };
    messages
        .iter()
        .enumerate()
        .filter(|(i, message)| !said_elsewhere(*i, message))
        .map(|(_, message)| message.as_str())
        .collect::<Vec<_>>()
        .join(": ")
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn each_message_is_said_once() {
        let io = std::io::Error::from(std::io::ErrorKind::NotFound);
        let quoted = anyhow::Error::new(std::io::Error::from(std::io::ErrorKind::NotFound))
            .context(format!("cannot read x.json: {io}"));
        assert_eq!(describe(&quoted), format!("cannot read x.json: {io}"));

        let repeated = anyhow::anyhow!("disk I/O error")
            .context("cannot open database x.db")
            .context("database x.db");
        assert_eq!(
            describe(&repeated),
            "cannot open database x.db: disk I/O error"
        );

        let twice = anyhow::anyhow!("gone").context("gone");
        assert_eq!(describe(&twice), "gone");
    }
}
