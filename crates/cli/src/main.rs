//! `intake`: the form author's command line.
//!
//! `intake lint FORM.json` prints the problems found in a definition, one per
//! line; `intake evaluate FORM.json --answers ANSWERS.json` prints what the
//! engine computes for the given answers. Both use exactly the engine the app
//! uses, so what they say is what the browser will do. `intake check-config
//! CONFIG.json` checks a deployment's configuration against the real API it
//! names, with read-only requests (see [`check`]).

mod check;

use std::path::Path;
use std::process::ExitCode;

use intake_engine::{load_form_str, FormState, LoadedForm};

const USAGE: &str = "usage:
  intake lint FORM.json
      Prints each problem in the definition, one per line, as
      `severity: json.path (question ID): message`.
      Exits 0 when the form is usable, 1 when it is not (the reason on stderr).
  intake evaluate FORM.json --answers ANSWERS.json
      Prints {\"visible\", \"hidden\", \"errors\", \"form_response\"} as JSON.
      ANSWERS maps question id to answer: a string for text, number and date
      (YYYY-MM-DD), an option id for radio and single select, a list of option
      ids for checkbox lists and multi-selects, {\"start\", \"end\"} for durations,
      true or false for a single checkbox.
  intake check-config CONFIG.json [--site URL] [--origin ORIGIN]
      Checks a deployment's configuration against the API it names, and
      prints, per operation, whether it is reachable, shaped as the app reads
      it, and allowed from a browser on ORIGIN (a CORS preflight). It only
      reads (the sign-in check, a search for a name nobody has, the widget's
      form) and never sends a write. A staff configuration needs a staff token
      in the INTAKE_CHECK_TOKEN environment variable. --site resolves a
      base_url that is a path, and is the default ORIGIN.
      Exits 0 when every check passes, 1 when one does not.";

/// What went wrong, as the message the author sees, and the exit code.
struct Failure {
    message: String,
    code: u8,
}

impl Failure {
    fn usage(message: &str) -> Failure {
        Failure {
            message: format!("{message}\n\n{USAGE}"),
            code: 2,
        }
    }
    fn unusable(message: String) -> Failure {
        Failure { message, code: 1 }
    }
}

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    match run(&arguments) {
        Ok(output) => {
            if !output.is_empty() {
                println!("{output}");
            }
            ExitCode::SUCCESS
        }
        Err(failure) => {
            eprintln!("intake: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

fn run(arguments: &[String]) -> Result<String, Failure> {
    match arguments.first().map(String::as_str) {
        Some("lint") => match &arguments[1..] {
            [form] => lint(form),
            _ => Err(Failure::usage("lint takes one form file")),
        },
        Some("evaluate") => match &arguments[1..] {
            [form, flag, answers] if flag == "--answers" => evaluate(form, Some(answers)),
            [flag, answers, form] if flag == "--answers" => evaluate(form, Some(answers)),
            [form] => evaluate(form, None),
            _ => Err(Failure::usage(
                "evaluate takes a form file and --answers ANSWERS.json",
            )),
        },
        Some("check-config") => check_config(&arguments[1..]),
        Some("help" | "--help" | "-h") => Ok(USAGE.to_string()),
        Some(other) => Err(Failure::usage(&format!("unknown command \"{other}\""))),
        None => Err(Failure::usage("no command given")),
    }
}

fn read(path: &str) -> Result<String, Failure> {
    std::fs::read_to_string(Path::new(path))
        .map_err(|error| Failure::unusable(format!("cannot read {path}: {error}")))
}

fn load(path: &str) -> Result<LoadedForm, Failure> {
    load_form_str(&read(path)?).map_err(|error| Failure::unusable(format!("{path}: {error}")))
}

fn lint(path: &str) -> Result<String, Failure> {
    let loaded = load(path)?;
    Ok(loaded
        .problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n"))
}

fn evaluate(form_path: &str, answers_path: Option<&String>) -> Result<String, Failure> {
    let loaded = load(form_path)?;
    let mut state = FormState::new(loaded.form);
    if let Some(answers_path) = answers_path {
        let text = read(answers_path)?;
        let answers: serde_json::Value = serde_json::from_str(&text).map_err(|error| {
            Failure::unusable(format!("{answers_path} is not valid JSON: {error}"))
        })?;
        let answers = answers.as_object().ok_or_else(|| {
            Failure::unusable(format!(
                "{answers_path} must be a JSON object mapping question ids to answers"
            ))
        })?;
        let problems = state.set_answers_from_json(answers);
        if !problems.is_empty() {
            return Err(Failure::unusable(format!(
                "{answers_path}:\n  {}",
                problems.join("\n  ")
            )));
        }
    }
    serde_json::to_string_pretty(&state.evaluate())
        .map_err(|error| Failure::unusable(format!("cannot print the result: {error}")))
}

fn check_config(arguments: &[String]) -> Result<String, Failure> {
    let mut path = None;
    let mut site = None;
    let mut origin = None;
    let mut rest = arguments.iter();
    while let Some(argument) = rest.next() {
        match argument.as_str() {
            "--site" => site = rest.next(),
            "--origin" => origin = rest.next(),
            flag if flag.starts_with("--") => {
                return Err(Failure::usage(&format!("unknown flag {flag}")))
            }
            _ if path.is_none() => path = Some(argument),
            _ => return Err(Failure::usage("check-config takes one configuration file")),
        }
    }
    let Some(path) = path else {
        return Err(Failure::usage("check-config takes a configuration file"));
    };
    let text = read(path)?;
    let report = check::check(&check::CheckRequest {
        config_text: &text,
        site: site.map(String::as_str),
        origin: origin.map(String::as_str),
        token: std::env::var(check::TOKEN_VARIABLE)
            .ok()
            .filter(|token| !token.trim().is_empty()),
    })
    .map_err(|message| Failure::unusable(format!("{path}: {message}")))?;
    let printed = report.lines.join("\n");
    if report.all_fine {
        Ok(printed)
    } else {
        // The report goes to stdout either way; the exit code says it failed.
        println!("{printed}");
        Err(Failure::unusable(
            "some checks failed (marked PROBLEM above)".into(),
        ))
    }
}
