//! Compiles and runs VRL programs the way Vector's `remap` transform and `vrl` conditions do, so the
//! platform's Vector configs are checked by the engine Vector itself embeds.
//!
//! stdin:  {"programs": [{"name", "source", "kind": "remap"|"condition"}],
//!          "events":   [{"name", "event": <json>, "timestamps": [<path>, ...]}]}
//! stdout: {"programs": [{"name", "kind", "diagnostics", "warnings", "runs": [...]}]}
//!
//! JSON has no timestamp type, so it travels beside the event: a path is the list of field names from the
//! root (`["timestamp"]`). On input, `timestamps` names the RFC 3339 strings that become VRL timestamps, as a
//! source such as `kubernetes_logs` delivers them; on output, each run lists the fields that hold one, which
//! is what a sink (Kafka's record timestamp) reads. Timestamps are written as RFC 3339 strings.
//! A program that does not compile has `diagnostics` (VRL's own text, as Vector prints it) and no runs.
//! Each run says whether the program finished or terminated; dropping an aborted event is a transform
//! setting (`drop_on_abort`), so the caller decides that.
use serde::{Deserialize, Serialize};
use std::io::Read;
use vrl::compiler::runtime::{Runtime, Terminate};
use vrl::compiler::state::ExternalEnv;
use vrl::compiler::{CompileConfig, Program, TargetValue, TimeZone, TypeState, compile_with_state};
use vrl::diagnostic::{DiagnosticList, Formatter};
use vrl::owned_value_path;
use vrl::path::{OwnedSegment, OwnedTargetPath, OwnedValuePath};
use vrl::value::{Secrets, Value};

#[derive(Deserialize)]
struct Input {
    programs: Vec<ProgramInput>,
    events: Vec<EventInput>,
}

#[derive(Deserialize, Serialize, Clone, Copy, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Kind {
    Remap,
    Condition,
}

#[derive(Deserialize)]
struct ProgramInput {
    name: String,
    source: String,
    kind: Kind,
}

#[derive(Deserialize)]
struct EventInput {
    name: String,
    event: serde_json::Value,
    #[serde(default)]
    timestamps: Vec<Vec<String>>,
}

#[derive(Serialize)]
struct ProgramOutput {
    name: String,
    kind: Kind,
    /// Compile errors, formatted; `None` when the program compiled.
    diagnostics: Option<String>,
    /// Compile warnings, formatted; `None` when there are none.
    warnings: Option<String>,
    runs: Vec<RunOutput>,
}

#[derive(Serialize)]
struct RunOutput {
    event: String,
    /// `None` when the program finished; "abort" for VRL's `abort`, "error" for a runtime error.
    terminated: Option<&'static str>,
    error: Option<String>,
    /// The event after a remap program that finished (Vector forwards the original one otherwise).
    output: Option<Value>,
    /// The output's fields (outside arrays) that hold a timestamp.
    timestamps: Vec<Vec<String>>,
    /// A condition's verdict when it finished (Vector counts a terminated condition as false).
    result: Option<bool>,
}

fn main() {
    let mut text = String::new();
    if let Err(err) = std::io::stdin().read_to_string(&mut text) {
        fail(&format!("cannot read stdin: {err}"));
    }
    let input: Input = serde_json::from_str(&text).unwrap_or_else(|err| fail(&format!("invalid input: {err}")));
    let events: Vec<(String, Value)> = input.events.into_iter().map(to_event).collect();
    let functions = vrl::stdlib::all();
    let outputs: Vec<ProgramOutput> = input
        .programs
        .into_iter()
        .map(|program| check(program, &functions, &events))
        .collect();
    let json = serde_json::to_string(&serde_json::json!({ "programs": outputs })).unwrap_or_else(|err| fail(&err.to_string()));
    println!("{json}");
}

fn fail(message: &str) -> ! {
    eprintln!("vrl-runner: {message}");
    std::process::exit(2);
}

/// The JSON event as a VRL value, with the listed paths turned into timestamps.
fn to_event(input: EventInput) -> (String, Value) {
    let mut value = Value::from(input.event);
    for path in &input.timestamps {
        let parsed = OwnedValuePath::from(path.iter().map(|field| OwnedSegment::field(field)).collect::<Vec<_>>());
        let stamp = match value.get(&parsed) {
            Some(Value::Bytes(bytes)) => String::from_utf8_lossy(bytes).parse().ok(),
            _ => None,
        };
        let stamp = stamp.unwrap_or_else(|| fail(&format!("event {}: {path:?} is not an RFC 3339 string", input.name)));
        value.insert(&parsed, Value::Timestamp(stamp));
    }
    (input.name, value)
}

fn check(input: ProgramInput, functions: &[Box<dyn vrl::compiler::Function>], events: &[(String, Value)]) -> ProgramOutput {
    let mut output = ProgramOutput { name: input.name.clone(), kind: input.kind, diagnostics: None, warnings: None, runs: vec![] };
    match compile(&input.source, input.kind, functions) {
        Err(diagnostics) => output.diagnostics = Some(diagnostics),
        Ok((program, warnings)) => {
            output.warnings = (!warnings.is_empty()).then(|| format(&input.source, warnings));
            output.runs = events.iter().map(|(name, event)| run(&program, input.kind, name, event)).collect();
        }
    }
    output
}

/// VRL's diagnostics as Vector prints them (its `format_vrl_diagnostics`, without colour).
fn format(source: &str, diagnostics: DiagnosticList) -> String {
    Formatter::new(source, diagnostics).to_string()
}

/// Compiles as Vector does (in Vector's source: lib/vector-core/src/vrl.rs, src/transforms/remap.rs,
/// src/conditions/vrl.rs): the `vector` metadata is read-only; a remap program sees an event of any shape; a
/// condition may change nothing and must return a boolean (checked on the program's type, with Vector's
/// message). Returns the program and its warnings, or the formatted errors.
fn compile(source: &str, kind: Kind, functions: &[Box<dyn vrl::compiler::Function>]) -> Result<(Program, DiagnosticList), String> {
    let mut config = CompileConfig::default();
    config.set_read_only_path(OwnedTargetPath::metadata(owned_value_path!("vector")), true);
    let state = match kind {
        Kind::Remap => TypeState { local: Default::default(), external: ExternalEnv::default() },
        Kind::Condition => {
            config.set_read_only();
            TypeState::default()
        }
    };
    let result = compile_with_state(source, functions, &state, config).map_err(|errors| format(source, errors))?;
    if kind == Kind::Condition && !result.program.final_type_info().result.is_boolean() {
        return Err("VRL conditions must return a boolean.".to_string());
    }
    Ok((result.program, result.warnings))
}

fn run(program: &Program, kind: Kind, name: &str, event: &Value) -> RunOutput {
    let mut target = TargetValue { value: event.clone(), metadata: Value::Object(Default::default()), secrets: Secrets::default() };
    // UTC: Vector's default timezone is the local one, which is UTC in its container image.
    let utc = TimeZone::parse("UTC").expect("UTC is in the time zone database");
    let resolved = Runtime::default().resolve(&mut target, program, &utc);
    let mut out = RunOutput { event: name.to_string(), terminated: None, error: None, output: None, timestamps: vec![], result: None };
    match resolved {
        Ok(value) => match kind {
            Kind::Remap => {
                timestamp_paths(&target.value, &mut vec![], &mut out.timestamps);
                out.output = Some(target.value);
            }
            Kind::Condition => out.result = value.as_boolean(),
        },
        Err(terminate) => {
            out.terminated = Some(match terminate {
                Terminate::Abort(_) => "abort",
                Terminate::Error(_) => "error",
            });
            out.error = Some(terminate.to_string());
        }
    }
    out
}

fn timestamp_paths(value: &Value, path: &mut Vec<String>, found: &mut Vec<Vec<String>>) {
    match value {
        Value::Timestamp(_) => found.push(path.clone()),
        Value::Object(fields) => {
            for (key, field) in fields {
                path.push(key.to_string());
                timestamp_paths(field, path, found);
                path.pop();
            }
        }
        _ => {}
    }
}
