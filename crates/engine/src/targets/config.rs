//! A deployment's target configuration: one JSON object, checked when read.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};

use super::catalogue::catalogue;
use super::percent;
use super::trust;

/// The five APIs the app can submit to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TargetKind {
    UniteUs,
    Casebook,
    PersonsV1,
    CharityCrm,
    Caspen,
}

impl TargetKind {
    pub const ALL: [TargetKind; 5] = [
        TargetKind::UniteUs,
        TargetKind::Casebook,
        TargetKind::PersonsV1,
        TargetKind::CharityCrm,
        TargetKind::Caspen,
    ];

    pub fn parse(text: &str) -> Option<TargetKind> {
        TargetKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text.trim().to_ascii_lowercase())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::UniteUs => "unite_us",
            TargetKind::Casebook => "casebook",
            TargetKind::PersonsV1 => "persons_v1",
            TargetKind::CharityCrm => "charity_crm",
            TargetKind::Caspen => "caspen",
        }
    }

    /// The name people know the product by.
    pub fn display_name(self) -> &'static str {
        match self {
            TargetKind::UniteUs => "Unite US",
            TargetKind::Casebook => "Casebook",
            TargetKind::PersonsV1 => "persons_v1",
            TargetKind::CharityCrm => "charity_crm",
            TargetKind::Caspen => "Caspen",
        }
    }

    /// Where the sandbox serves this target, which is the default base URL.
    pub fn default_base_url(self) -> &'static str {
        match self {
            TargetKind::UniteUs => "/unite_us/v3",
            TargetKind::Casebook => "/casebook",
            TargetKind::PersonsV1 => "/persons_v1/api/v1",
            TargetKind::CharityCrm => "/charity_crm/api/v1",
            TargetKind::Caspen => "/caspen/v1",
        }
    }

    /// The operations this target has, with their default path templates.
    pub fn default_paths(self) -> &'static [(Operation, &'static str)] {
        use Operation::*;
        match self {
            TargetKind::UniteUs => &[
                (
                    AssistanceRequestFormConfig,
                    "/widgets/assistance_requests/form_config",
                ),
                (SubmitAssistanceRequest, "/widgets/assistance_requests"),
                (CreatePerson, "/groups/{group_id}/contacts"),
                (UpdatePerson, "/groups/{group_id}/contacts/{id}"),
                (GetPerson, "/groups/{group_id}/contacts/{id}"),
                (FindPeople, "/groups/{group_id}/search/global_contacts"),
                (ServiceTypes, "/groups/{group_id}/service_types"),
                (FormsAvailable, "/groups/{group_id}/forms/available_for_use"),
                (
                    PersonForm,
                    "/groups/{group_id}/contacts/{id}/forms/{form_id}",
                ),
                (
                    RespondToForm,
                    "/groups/{group_id}/contacts/{id}/forms/{form_id}/respond",
                ),
            ],
            TargetKind::Casebook => &[
                (CreatePerson, "/people/people"),
                (UpdatePerson, "/people/people/{id}"),
                (GetPerson, "/people/people/{id}"),
                (FindPeople, "/people/people"),
            ],
            TargetKind::PersonsV1 => &[
                (CreatePerson, "/persons"),
                (UpdatePerson, "/persons/{id}"),
                (GetPerson, "/persons/{id}"),
                (FindPeople, "/persons"),
            ],
            TargetKind::CharityCrm => &[
                (CreatePerson, "/persons"),
                (UpdatePerson, "/persons/{id}/actions/update"),
                (FindPeople, "/persons"),
            ],
            TargetKind::Caspen => &[
                (CreatePerson, "/clients"),
                (UpdatePerson, "/clients/{id}"),
                (GetPerson, "/clients/{id}"),
                (FindPeople, "/clients"),
            ],
        }
    }
}

impl fmt::Display for TargetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who is using the deployment: the public widget or signed-in staff.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Widget,
    Staff,
}

/// What credential requests carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthMode {
    /// No credential: the base URL is the organisation's own gateway.
    None,
    /// The public Unite US widget token from the configuration.
    WidgetToken,
    /// A token the staff member types when signing in, kept in memory only.
    StaffToken,
}

/// How Unite US bodies are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UniteUsEncoding {
    /// `{"assistance_request": {"requestor": {...}}}`.
    NestedJson,
    /// `assistance_request[requestor][first_name]=...`, form-urlencoded.
    RailsForm,
}

/// One thing the app asks of a target; each has a path template.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Operation {
    AssistanceRequestFormConfig,
    SubmitAssistanceRequest,
    CreatePerson,
    UpdatePerson,
    GetPerson,
    FindPeople,
    ServiceTypes,
    FormsAvailable,
    PersonForm,
    RespondToForm,
}

impl Operation {
    pub const ALL: [Operation; 10] = [
        Operation::AssistanceRequestFormConfig,
        Operation::SubmitAssistanceRequest,
        Operation::CreatePerson,
        Operation::UpdatePerson,
        Operation::GetPerson,
        Operation::FindPeople,
        Operation::ServiceTypes,
        Operation::FormsAvailable,
        Operation::PersonForm,
        Operation::RespondToForm,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Operation::AssistanceRequestFormConfig => "assistance_request_form_config",
            Operation::SubmitAssistanceRequest => "submit_assistance_request",
            Operation::CreatePerson => "create_person",
            Operation::UpdatePerson => "update_person",
            Operation::GetPerson => "get_person",
            Operation::FindPeople => "find_people",
            Operation::ServiceTypes => "service_types",
            Operation::FormsAvailable => "forms_available",
            Operation::PersonForm => "person_form",
            Operation::RespondToForm => "respond_to_form",
        }
    }

    fn parse(text: &str) -> Option<Operation> {
        Operation::ALL.into_iter().find(|op| op.as_str() == text)
    }
}

/// Each operation's path template, in a slot per operation: a map type
/// would bring its insertion and search code into the widget's first load
/// for ten fixed keys.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OperationPaths([Option<String>; Operation::ALL.len()]);

impl OperationPaths {
    pub fn get(&self, operation: &Operation) -> Option<&String> {
        self.0[*operation as usize].as_ref()
    }

    pub fn contains_key(&self, operation: &Operation) -> bool {
        self.0[*operation as usize].is_some()
    }

    pub fn insert(&mut self, operation: Operation, template: String) {
        self.0[operation as usize] = Some(template);
    }

    pub fn remove(&mut self, operation: Operation) {
        self.0[operation as usize] = None;
    }

    /// The templates, in the order of [`Operation::ALL`].
    pub fn values(&self) -> impl Iterator<Item = &String> {
        self.0.iter().flatten()
    }
}

/// A checked configuration. Build it with [`TargetConfig::from_json`].
#[derive(Clone, Debug, PartialEq)]
pub struct TargetConfig {
    pub target: TargetKind,
    pub mode: Mode,
    /// Absolute (`https://...`) or relative to the page's origin (`/casebook`).
    pub base_url: String,
    pub paths: OperationPaths,
    pub auth: AuthMode,
    /// Only for the Unite US widget: the public token that identifies the group.
    pub widget_token: Option<String>,
    pub group_id: Option<String>,
    pub program_id: Option<String>,
    /// Where the intake form definition comes from (a URL).
    pub form: Option<String>,
    /// Person fields the built-in "About you" section asks for, beyond the
    /// ones the target requires.
    pub ask: Vec<String>,
    /// Person fields this deployment requires beyond the target's own.
    pub require: Vec<String>,
    /// Values used when no question gives one, e.g. `person.address.country`.
    pub defaults: BTreeMap<String, String>,
    pub encoding: UniteUsEncoding,
    pub language: Option<String>,
    /// Staff mode: minutes without input before the screen locks.
    pub idle_timeout_minutes: u32,
    /// A title shown above the form, in the deployment's `language`.
    pub title: Option<String>,
    /// Language → the title in that language:
    /// `"translations": {"es": {"title": "..."}}`, as a form's names are.
    pub title_translations: BTreeMap<String, String>,
    /// Days an unsent submission may wait on the device before it is
    /// deleted.
    pub keep_unsent_days: u32,
    /// The configuration's name in the site's folder (`caspen-widget`);
    /// empty until the page that read it says (see [`TargetConfig::named`]).
    pub name: String,
    /// A fingerprint of the configuration's content: a stored submission is
    /// sent only by a page running the same configuration.
    pub fingerprint: String,
}

/// Why a configuration was refused. The message names the key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub key: String,
    pub problem: ConfigProblem,
}

/// What is wrong, written out only when shown: in the public widget the
/// words come with the later parts, not with the first load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigProblem {
    NotJson(String),
    NotAnObject,
    SecretKey,
    SecretValue,
    UnknownKey,
    MissingTarget,
    UnknownTarget(String),
    UnknownMode(String),
    /// A URL or path template that cannot be used.
    Address(trust::AddressProblem),
    PathsNotAnObject,
    UnknownOperation(TargetKind),
    TemplateNotAString,
    /// `null` for an operation that cannot be switched off.
    CannotSwitchOff,
    TemplateUnclosed,
    TemplatePlaceholder(String),
    UnknownAuth(String),
    StaffTokenInWidget,
    WidgetTokenForOtherTarget(TargetKind),
    WidgetTokenMissing,
    WidgetTokenForStaff,
    WidgetTokenWithoutAuth,
    GroupIdMissing,
    NotAFieldList,
    UnknownField(TargetKind, Mode, Value),
    DefaultsNotAnObject,
    DefaultUnknownField(TargetKind),
    NotAString,
    FormUrlencodedOnlyUniteUs(TargetKind),
    UnknownEncoding(String),
    IdleTimeout,
    KeepUnsentDays,
    /// `translations` holds something other than titles.
    Translations,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ConfigProblem::*;
        const TARGETS: &str = "unite_us, casebook, persons_v1, charity_crm, caspen";
        match self {
            NotJson(detail) => write!(f, "it is not JSON ({detail})."),
            NotAnObject => f.write_str("it must be a JSON object."),
            Translations => f.write_str("must be {\"<language>\": {\"title\": \"…\"}}: a configuration translates its title and nothing else."),
            SecretKey => f.write_str("looks like a secret. A configuration is public: staff sign in with their token instead, and a widget may carry only a public widget token."),
            SecretValue => f.write_str("looks like it holds a credential. A configuration is public: credentials stay on the organisation's gateway or are typed by staff at sign-in."),
            UnknownKey => write!(f, "is not a configuration key. Known keys: {}.", KNOWN_KEYS.join(", ")),
            MissingTarget => write!(f, "is missing. Give one of {TARGETS}."),
            UnknownTarget(text) => write!(f, "is \"{text}\"; it must be one of {TARGETS}."),
            UnknownMode(text) => write!(f, "is \"{text}\"; it must be widget or staff."),
            Address(why) => why.fmt(f),
            PathsNotAnObject => f.write_str("must be an object of operation names to path templates."),
            UnknownOperation(target) => {
                let known: Vec<&str> = target.default_paths().iter().map(|(op, _)| op.as_str()).collect();
                write!(f, "is not an operation of {target}. Its operations: {}.", known.join(", "))
            }
            TemplateNotAString => f.write_str("must be a path template string, or null to switch the operation off."),
            CannotSwitchOff => f.write_str("cannot be switched off: only update_person, get_person and person_form can, and find_people where the sign-in check has the intake forms instead (Unite US staff)."),
            TemplateUnclosed => f.write_str("has a { without a closing }."),
            TemplatePlaceholder(name) => write!(f, "uses {{{name}}}; the placeholders are {{group_id}}, {{id}} and {{form_id}}."),
            UnknownAuth(text) => write!(f, "is \"{text}\"; it must be none, widget_token or staff_token."),
            StaffTokenInWidget => f.write_str("is staff_token, but a public widget cannot sign anybody in. Use widget_token (Unite US) or none with a gateway base_url."),
            WidgetTokenForOtherTarget(target) => write!(f, "is widget_token, but only Unite US has public widget tokens. For {target}, use none with a gateway base_url that adds credentials server-side."),
            WidgetTokenMissing => f.write_str("is missing; auth widget_token needs the group's public widget token."),
            WidgetTokenForStaff => f.write_str("is widget_token, but staff mode signs in with a staff token."),
            WidgetTokenWithoutAuth => f.write_str("is given, but auth is not widget_token; remove it so no token is published needlessly."),
            GroupIdMissing => f.write_str("is missing; Unite US staff operations are per group."),
            NotAFieldList => f.write_str("must be a list of person field paths."),
            UnknownField(target, mode, given) => {
                let known: Vec<&str> = catalogue(*target, *mode).iter().map(|spec| spec.field).collect();
                write!(
                    f,
                    "is {}, which {target} does not store. Fields it stores: {}.",
                    crate::json::to_text(given),
                    known.join(", ")
                )
            }
            DefaultsNotAnObject => f.write_str("must be an object of person field paths to values."),
            DefaultUnknownField(target) => write!(f, "names a field {target} does not store."),
            NotAString => f.write_str("must be a string."),
            FormUrlencodedOnlyUniteUs(target) => write!(f, "form_urlencoded is only for Unite US; {target} takes JSON."),
            UnknownEncoding(text) => write!(f, "is \"{text}\"; it must be json or form_urlencoded."),
            IdleTimeout => f.write_str("must be a whole number of minutes from 1 to 720."),
            KeepUnsentDays => f.write_str("must be a whole number of days from 1 to 30."),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "The configuration cannot be used: {}", self.problem)
        } else {
            write!(
                f,
                "The configuration cannot be used: \"{}\" {}",
                self.key, self.problem
            )
        }
    }
}

impl std::error::Error for ConfigError {}

impl ConfigError {
    /// The configuration's text is not JSON; `detail` is the parser's reason.
    pub fn not_json(detail: impl fmt::Display) -> ConfigError {
        ConfigError {
            key: String::new(),
            problem: ConfigProblem::NotJson(detail.to_string()),
        }
    }
}

const KNOWN_KEYS: &[&str] = &[
    "target",
    "mode",
    "base_url",
    "paths",
    "auth",
    "widget_token",
    "group_id",
    "program_id",
    "form",
    "ask",
    "require",
    "defaults",
    "encoding",
    "language",
    "idle_timeout_minutes",
    "title",
    "translations",
    "keep_unsent_days",
];

/// Words that mark a key as holding a credential, which no configuration
/// file may carry: a file is served to every visitor.
const SECRET_WORDS: &[&str] = &[
    "secret",
    "password",
    "private",
    "api_key",
    "apikey",
    "access_token",
    "client_credentials",
    "staff_token",
    "bearer",
    "jwt",
];

impl TargetConfig {
    /// Reads configuration JSON text; the fingerprint is the text's own.
    pub fn from_json_str(text: &str) -> Result<TargetConfig, ConfigError> {
        let value = crate::json::parse(text).map_err(ConfigError::not_json)?;
        let mut config = TargetConfig::read(&value)?;
        config.fingerprint = trust::fingerprint(text);
        Ok(config)
    }

    /// Reads and checks a configuration object; the fingerprint is that of
    /// its compact JSON text.
    pub fn from_json(value: &Value) -> Result<TargetConfig, ConfigError> {
        let mut config = TargetConfig::read(value)?;
        config.fingerprint = trust::fingerprint(&crate::json::to_text(value));
        Ok(config)
    }

    /// Reads and checks a configuration object, without its fingerprint
    /// (the pages read their configuration as text, and fingerprint that:
    /// the JSON writer is then no part of the widget's first load).
    fn read(value: &Value) -> Result<TargetConfig, ConfigError> {
        let object = value
            .as_object()
            .ok_or_else(|| error("", ConfigProblem::NotAnObject))?;
        for key in object.keys() {
            let lower = key.to_ascii_lowercase();
            if SECRET_WORDS.iter().any(|word| lower.contains(word))
                || (lower.contains("token") && lower != "widget_token")
            {
                return Err(error(key, ConfigProblem::SecretKey));
            }
            // A value can publish a credential as well as a key can
            // (`"base_url": "https://api.example.org?api_key=..."`).
            let holds_secret = match object.get(key) {
                Some(Value::String(text)) if key != "title" && key != "widget_token" => {
                    trust::secret_word_in(text).is_some()
                }
                _ => false,
            };
            if holds_secret {
                return Err(error(key, ConfigProblem::SecretValue));
            }
            if !KNOWN_KEYS.contains(&key.as_str()) {
                return Err(error(key, ConfigProblem::UnknownKey));
            }
        }
        // Only titles, in the shape the reader takes: every other key the
        // file publishes is refused above, and one nested here must be too.
        if let Some(translations) = object.get("translations") {
            let titles_only = translations.as_object().is_some_and(|languages| {
                languages.values().all(|translated| {
                    translated.as_object().is_some_and(|fields| {
                        fields
                            .iter()
                            .all(|(key, text)| key == "title" && text.is_string())
                    })
                })
            });
            if !titles_only {
                return Err(error("translations", ConfigProblem::Translations));
            }
        }
        let target_text = string(object, "target")?
            .ok_or_else(|| error("target", ConfigProblem::MissingTarget))?;
        let target = TargetKind::parse(&target_text)
            .ok_or_else(|| error("target", ConfigProblem::UnknownTarget(target_text.clone())))?;
        let mode = match string(object, "mode")?.as_deref() {
            None | Some("widget") => Mode::Widget,
            Some("staff") => Mode::Staff,
            Some(other) => return Err(error("mode", ConfigProblem::UnknownMode(other.into()))),
        };
        let base_url = match string(object, "base_url")? {
            Some(text) => trust::parse_address(&text)
                .map_err(|why| error("base_url", ConfigProblem::Address(why)))?
                .to_url(),
            None => target.default_base_url().to_string(),
        };
        let mut paths = OperationPaths::default();
        for (operation, path) in target.default_paths() {
            paths.insert(*operation, (*path).to_string());
        }
        if let Some(given) = object.get("paths") {
            let given = given
                .as_object()
                .ok_or_else(|| error("paths", ConfigProblem::PathsNotAnObject))?;
            for (name, template) in given {
                let key = format!("paths.{name}");
                let operation = Operation::parse(name)
                    .filter(|op| paths.contains_key(op))
                    .ok_or_else(|| error(&key, ConfigProblem::UnknownOperation(target)))?;
                // An operation the vendor does not have (its route is only
                // assumed) is switched off with null: it has no template, so
                // `url` has no address for it, and the staff page says what
                // it cannot do.
                if template.is_null() {
                    let allowed = match operation {
                        Operation::UpdatePerson | Operation::GetPerson | Operation::PersonForm => {
                            true
                        }
                        // The sign-in check needs one read with the token.
                        Operation::FindPeople => paths.contains_key(&Operation::FormsAvailable),
                        _ => false,
                    };
                    if !allowed {
                        return Err(error(&key, ConfigProblem::CannotSwitchOff));
                    }
                    paths.remove(operation);
                    continue;
                }
                let template = template
                    .as_str()
                    .ok_or_else(|| error(&key, ConfigProblem::TemplateNotAString))?;
                trust::check_path_template(template)
                    .map_err(|why| error(&key, ConfigProblem::Address(why)))?;
                check_template(&key, template)?;
                paths.insert(operation, template.to_string());
            }
        }
        let auth = match string(object, "auth")?.as_deref() {
            None => match mode {
                Mode::Widget if target == TargetKind::UniteUs => AuthMode::WidgetToken,
                Mode::Widget => AuthMode::None,
                Mode::Staff => AuthMode::StaffToken,
            },
            Some("none") => AuthMode::None,
            Some("widget_token") => AuthMode::WidgetToken,
            Some("staff_token") => AuthMode::StaffToken,
            Some(other) => return Err(error("auth", ConfigProblem::UnknownAuth(other.into()))),
        };
        let widget_token = string(object, "widget_token")?;
        match (mode, auth) {
            (Mode::Widget, AuthMode::StaffToken) => {
                return Err(error("auth", ConfigProblem::StaffTokenInWidget))
            }
            (_, AuthMode::WidgetToken) if target != TargetKind::UniteUs => {
                return Err(error(
                    "auth",
                    ConfigProblem::WidgetTokenForOtherTarget(target),
                ))
            }
            (_, AuthMode::WidgetToken) if widget_token.as_deref().is_none_or(str::is_empty) => {
                return Err(error("widget_token", ConfigProblem::WidgetTokenMissing))
            }
            (Mode::Staff, AuthMode::WidgetToken) => {
                return Err(error("auth", ConfigProblem::WidgetTokenForStaff))
            }
            _ => {}
        }
        if widget_token.is_some() && auth != AuthMode::WidgetToken {
            return Err(error("widget_token", ConfigProblem::WidgetTokenWithoutAuth));
        }
        let group_id = string(object, "group_id")?;
        if target == TargetKind::UniteUs && mode == Mode::Staff && group_id.is_none() {
            return Err(error("group_id", ConfigProblem::GroupIdMissing));
        }
        let known_fields = catalogue(target, mode);
        let field_list = |key: &str| -> Result<Vec<String>, ConfigError> {
            let Some(value) = object.get(key) else {
                return Ok(Vec::new());
            };
            let list = value
                .as_array()
                .ok_or_else(|| error(key, ConfigProblem::NotAFieldList))?;
            list.iter()
                .enumerate()
                .map(|(position, item)| {
                    let field = item.as_str().unwrap_or_default();
                    if known_fields.iter().any(|spec| spec.field == field) {
                        Ok(field.to_string())
                    } else {
                        Err(error(
                            &format!("{key}[{position}]"),
                            ConfigProblem::UnknownField(target, mode, item.clone()),
                        ))
                    }
                })
                .collect()
        };
        let ask = field_list("ask")?;
        let require = field_list("require")?;
        let mut defaults = BTreeMap::new();
        if let Some(value) = object.get("defaults") {
            let given = value
                .as_object()
                .ok_or_else(|| error("defaults", ConfigProblem::DefaultsNotAnObject))?;
            for (field, value) in given {
                let key = format!("defaults.{field}");
                if !known_fields.iter().any(|spec| spec.field == field) {
                    return Err(error(&key, ConfigProblem::DefaultUnknownField(target)));
                }
                let text = value
                    .as_str()
                    .ok_or_else(|| error(&key, ConfigProblem::NotAString))?;
                defaults.insert(field.clone(), text.to_string());
            }
        }
        let encoding = match string(object, "encoding")?.as_deref() {
            None | Some("json") => UniteUsEncoding::NestedJson,
            Some("form_urlencoded") if target == TargetKind::UniteUs => UniteUsEncoding::RailsForm,
            Some("form_urlencoded") => {
                return Err(error(
                    "encoding",
                    ConfigProblem::FormUrlencodedOnlyUniteUs(target),
                ))
            }
            Some(other) => {
                return Err(error(
                    "encoding",
                    ConfigProblem::UnknownEncoding(other.into()),
                ))
            }
        };
        let idle_timeout_minutes = match object.get("idle_timeout_minutes") {
            None => 15,
            Some(value) => value
                .as_u64()
                .filter(|minutes| (1..=720).contains(minutes))
                .map(|minutes| minutes as u32)
                .ok_or_else(|| error("idle_timeout_minutes", ConfigProblem::IdleTimeout))?,
        };
        let form = match string(object, "form")? {
            Some(text) => Some(
                trust::parse_address(&text)
                    .map_err(|why| error("form", ConfigProblem::Address(why)))?
                    .to_url(),
            ),
            None => None,
        };
        let keep_unsent_days = match object.get("keep_unsent_days") {
            None => 7,
            Some(value) => value
                .as_u64()
                .filter(|days| (1..=30).contains(days))
                .map(|days| days as u32)
                .ok_or_else(|| error("keep_unsent_days", ConfigProblem::KeepUnsentDays))?,
        };
        Ok(TargetConfig {
            target,
            mode,
            base_url,
            paths,
            auth,
            widget_token,
            group_id,
            program_id: string(object, "program_id")?,
            form,
            ask,
            require,
            defaults,
            encoding,
            language: string(object, "language")?,
            idle_timeout_minutes,
            title: string(object, "title")?,
            title_translations: crate::load::translations_of(object, "title"),
            keep_unsent_days,
            name: String::new(),
            fingerprint: String::new(),
        })
    }

    /// The configuration with the name it has in the site's folder.
    pub fn named(mut self, name: &str) -> TargetConfig {
        self.name = name.to_string();
        self
    }

    /// What a stored submission records of the configuration it was made
    /// under: name, content fingerprint, mode and credential kind. A page
    /// sends a stored submission only when its own binding is the same, so
    /// a staff token never goes with a widget's submission, nor the
    /// reverse, nor anything to an API another configuration names.
    pub fn binding(&self) -> String {
        let mode = match self.mode {
            Mode::Widget => "widget",
            Mode::Staff => "staff",
        };
        let auth = match self.auth {
            AuthMode::None => "none",
            AuthMode::WidgetToken => "widget_token",
            AuthMode::StaffToken => "staff_token",
        };
        format!(
            "{} {} {mode} {auth} {}",
            self.name, self.fingerprint, self.target
        )
    }

    /// The other origins this configuration sends to or reads from (its
    /// API and its form), as a Content-Security-Policy lists them.
    pub fn connect_origins(&self) -> Vec<String> {
        let mut origins: Vec<String> = Vec::new();
        for url in [Some(self.base_url.as_str()), self.form.as_deref()]
            .into_iter()
            .flatten()
        {
            if let Some(origin) = trust::parse_address(url)
                .ok()
                .and_then(|address| address.origin)
            {
                if !origins.contains(&origin) {
                    origins.push(origin);
                }
            }
        }
        origins
    }

    /// The URL of `operation`, with `{group_id}` filled in and other
    /// placeholders (`{id}`, `{form_id}`) filled from `values`. `None` when
    /// the target has no such operation.
    pub fn url(&self, operation: Operation, values: &[(&str, &str)]) -> Option<String> {
        let template = self.paths.get(&operation)?;
        let mut path = template.replace(
            "{group_id}",
            &percent::encode_segment(self.group_id.as_deref().unwrap_or_default()),
        );
        for (name, value) in values {
            path = path.replace(&format!("{{{name}}}"), &percent::encode_segment(value));
        }
        Some(format!("{}{}", self.base_url, path))
    }
}

// Out of line: a configuration is read in the widget's first load, and
// every early return would otherwise carry its own copy.
#[cold]
#[inline(never)]
fn error(key: &str, problem: ConfigProblem) -> ConfigError {
    ConfigError {
        key: key.to_string(),
        problem,
    }
}

#[inline(never)]
fn string(object: &Map<String, Value>, key: &str) -> Result<Option<String>, ConfigError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.trim().to_string()).filter(|t| !t.is_empty())),
        Some(Value::Number(number)) => Ok(Some(crate::json_number_text(number))),
        Some(_) => Err(error(key, ConfigProblem::NotAString)),
    }
}

fn check_template(key: &str, template: &str) -> Result<(), ConfigError> {
    if !template.starts_with('/') {
        return Err(error(
            key,
            ConfigProblem::Address(trust::AddressProblem::TemplateStart),
        ));
    }
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = rest[open..]
            .find('}')
            .ok_or_else(|| error(key, ConfigProblem::TemplateUnclosed))?;
        let name = &rest[open + 1..open + close];
        if !["group_id", "id", "form_id"].contains(&name) {
            return Err(error(key, ConfigProblem::TemplatePlaceholder(name.into())));
        }
        rest = &rest[open + close..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn refused(config: Value) -> ConfigError {
        match TargetConfig::from_json(&config) {
            Ok(_) => panic!("{config} was accepted"),
            Err(error) => error,
        }
    }

    #[test]
    fn the_title_has_its_translations() {
        let config = TargetConfig::from_json(&json!({
            "target": "caspen", "base_url": "https://api.example.org", "title": "Ask for help",
            "translations": {"ES": {"title": " Pida ayuda "}, "fr": {}}
        }))
        .expect("the configuration is usable");
        assert_eq!(config.title.as_deref(), Some("Ask for help"));
        assert_eq!(
            config.title_translations,
            BTreeMap::from([("es".to_string(), "Pida ayuda".to_string())])
        );
    }

    /// A file is served to every visitor: a credential nested in the
    /// translations would be published as surely as one at the top.
    #[test]
    fn translations_hold_titles_and_nothing_else() {
        for translations in [
            json!({"es": {"api_key": "k-123"}}),
            json!({"es": {"title": "Pida ayuda", "password": "x"}}),
            json!({"es": {"name": "not a title"}}),
            json!({"es": {"title": 3}}),
            json!({"es": "Pida ayuda"}),
            json!(["es", "Pida ayuda"]),
        ] {
            let refused = TargetConfig::from_json(&json!({
                "target": "caspen", "base_url": "https://api.example.org", "translations": translations
            }))
            .expect_err("only titles may be translated");
            assert_eq!(refused.key, "translations", "{translations}");
            assert_eq!(
                refused.problem,
                ConfigProblem::Translations,
                "{translations}"
            );
        }
    }

    #[test]
    fn a_configuration_that_cannot_work_is_refused_naming_the_key() {
        let cases = [
            (json!({"target": "salesforce"}), "target"),
            (json!({}), "target"),
            (
                json!({"target": "casebook", "client_secret": "x"}),
                "client_secret",
            ),
            (
                json!({"target": "unite_us", "widget_token": "t", "staff_token": "x"}),
                "staff_token",
            ),
            (
                json!({"target": "casebook", "auth": "widget_token", "widget_token": "t"}),
                "auth",
            ),
            (
                json!({"target": "casebook", "mode": "widget", "auth": "staff_token"}),
                "auth",
            ),
            (json!({"target": "unite_us"}), "widget_token"),
            (json!({"target": "unite_us", "mode": "staff"}), "group_id"),
            (
                json!({"target": "caspen", "base_url": "ftp://x"}),
                "base_url",
            ),
            (
                json!({"target": "caspen", "base_url": "https://user:pw@x"}),
                "base_url",
            ),
            (
                json!({"target": "caspen", "paths": {"respond_to_form": "/x"}}),
                "paths.respond_to_form",
            ),
            (
                json!({"target": "caspen", "paths": {"create_person": "/x/{nope}"}}),
                "paths.create_person",
            ),
            (
                json!({"target": "caspen", "require": ["person.iban"]}),
                "require[0]",
            ),
            (
                json!({"target": "caspen", "encoding": "form_urlencoded"}),
                "encoding",
            ),
            (json!({"target": "caspen", "colour": "red"}), "colour"),
            (
                json!({"target": "caspen", "widget_token": "t"}),
                "widget_token",
            ),
            (
                json!({"target": "caspen", "base_url": "https://api.example.org/v1?api_key=k"}),
                "base_url",
            ),
            (
                json!({"target": "caspen", "base_url": "/\\evil.example/v1"}),
                "base_url",
            ),
            (
                json!({"target": "caspen", "base_url": "http://api.example.org/v1"}),
                "base_url",
            ),
            (
                json!({"target": "caspen", "base_url": "https://api.example.org/v1#x"}),
                "base_url",
            ),
            (
                json!({"target": "caspen", "paths": {"create_person": "/clients?token=abc"}}),
                "paths.create_person",
            ),
            (
                json!({"target": "caspen", "form": "//evil.example/f.json"}),
                "form",
            ),
            (
                json!({"target": "caspen", "keep_unsent_days": 90}),
                "keep_unsent_days",
            ),
        ];
        for (config, key) in cases {
            let error = refused(config.clone());
            assert_eq!(error.key, key, "{config}: {error}");
            assert!(error.to_string().contains(&format!("\"{key}\"")), "{error}");
        }
    }

    #[test]
    fn defaults_fill_auth_paths_and_base_url() {
        let config = TargetConfig::from_json(
            &json!({"target": "unite_us", "widget_token": "demo-widget-token"}),
        )
        .unwrap();
        assert_eq!(
            (config.mode, config.auth),
            (Mode::Widget, AuthMode::WidgetToken)
        );
        assert_eq!(
            config.url(Operation::SubmitAssistanceRequest, &[]).unwrap(),
            "/unite_us/v3/widgets/assistance_requests"
        );
        let staff = TargetConfig::from_json(&json!({"target": "casebook", "mode": "staff", "base_url": "https://gw.example.org/cb/", "paths": {"update_person": "/people/{id}"}})).unwrap();
        assert_eq!(staff.auth, AuthMode::StaffToken);
        assert_eq!(
            staff
                .url(Operation::UpdatePerson, &[("id", "a/b?c")])
                .unwrap(),
            "https://gw.example.org/cb/people/a%2Fb%3Fc"
        );
        assert_eq!(staff.connect_origins(), vec!["https://gw.example.org"]);
    }

    #[test]
    fn each_operation_has_its_own_path_slot() {
        for (position, operation) in Operation::ALL.into_iter().enumerate() {
            assert_eq!(operation as usize, position, "{operation:?}");
        }
    }

    #[test]
    fn an_assumed_operation_is_switched_off_with_null_and_a_needed_one_is_not() {
        let caspen = TargetConfig::from_json(
            &json!({"target": "caspen", "mode": "staff", "paths": {"update_person": null}}),
        )
        .unwrap();
        assert_eq!(caspen.url(Operation::UpdatePerson, &[("id", "1")]), None);
        assert!(caspen.url(Operation::FindPeople, &[]).is_some());
        let unite = TargetConfig::from_json(&json!({"target": "unite_us", "mode": "staff",
            "group_id": "g", "paths": {"find_people": null}}))
        .unwrap();
        assert_eq!(unite.url(Operation::FindPeople, &[]), None);
        for (config, key) in [
            (
                json!({"target": "caspen", "mode": "staff", "paths": {"find_people": null}}),
                "paths.find_people",
            ),
            (
                json!({"target": "caspen", "mode": "staff", "paths": {"create_person": null}}),
                "paths.create_person",
            ),
            (
                json!({"target": "unite_us", "widget_token": "t", "paths": {"submit_assistance_request": null}}),
                "paths.submit_assistance_request",
            ),
        ] {
            let error = TargetConfig::from_json(&config).unwrap_err();
            assert_eq!(error.key, key, "{config}");
            assert!(
                error.to_string().contains("cannot be switched off"),
                "{error}"
            );
        }
    }

    #[test]
    fn the_binding_changes_with_the_content_mode_and_credential() {
        let widget = TargetConfig::from_json(
            &json!({"target": "caspen", "base_url": "/gateway/caspen/v1", "auth": "none"}),
        )
        .unwrap()
        .named("caspen-widget");
        let staff = TargetConfig::from_json(
            &json!({"target": "caspen", "mode": "staff", "base_url": "/gateway/caspen/v1"}),
        )
        .unwrap()
        .named("caspen-widget");
        let moved = TargetConfig::from_json(
            &json!({"target": "caspen", "base_url": "https://evil.example/v1", "auth": "none"}),
        )
        .unwrap()
        .named("caspen-widget");
        assert!(widget.binding().starts_with("caspen-widget "));
        assert_ne!(widget.binding(), staff.binding());
        assert_ne!(widget.binding(), moved.binding());
        assert_eq!(widget.binding(), widget.clone().binding());
    }
}
