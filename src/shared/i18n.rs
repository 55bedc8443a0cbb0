//! Every string the app shows, in one catalogue, complete in English and
//! Spanish. Form content (labels, help, options) comes from the definition and
//! its `translations`; only the app's own words live here.

#[cfg(feature = "full")]
use intake_engine::targets::Guarantee;
use intake_engine::targets::{BuiltInWords, LinkRefusal, Mode, UpsertOutcome};
use intake_engine::{number_text, AnswerKind, InputType, Issue, IssueKind, LoadError, Question};

use crate::shared::http::FetchError;

/// A language the interface speaks, plus the content language code that
/// selects a definition's `translations` (which may name any language).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Language {
    /// A BCP 47 code such as `en`, `es` or `ar`.
    pub code: String,
}

impl Language {
    pub fn new(code: &str) -> Language {
        Language {
            code: code.trim().to_ascii_lowercase(),
        }
    }

    /// The language without its region: `es` for `es-MX`.
    pub fn primary(&self) -> &str {
        self.code.split(['-', '_']).next().unwrap_or("en")
    }

    /// The interface strings: Spanish for `es`, English otherwise.
    pub fn text(&self) -> &'static Text {
        match self.primary() {
            "es" => &SPANISH,
            _ => &ENGLISH,
        }
    }

    /// The later parts' words: Spanish for `es`, English otherwise.
    pub fn later_text(&self) -> &'static LaterText {
        match self.primary() {
            "es" => &SPANISH_LATER,
            _ => &ENGLISH_LATER,
        }
    }

    /// How issues are worded in this language, and whether an author's
    /// message (in the definition's language, taken to be English) is shown
    /// as written. Not in [`Text`]: a function named in a catalogue, which
    /// is data, would be in every build's first load, and only the later
    /// parts word issues.
    fn issue_wording(&self) -> (fn(&IssueKind, &IssueSubject) -> String, bool) {
        match self.primary() {
            "es" => (spanish_issue, false),
            _ => (english_issue, true),
        }
    }

    /// Whether the catalogue has this language's words.
    pub fn has_catalogue(&self) -> bool {
        INTERFACE_LANGUAGES
            .iter()
            .any(|(code, _)| *code == self.primary())
    }

    /// Writing direction for the `dir` attribute.
    pub fn direction(&self) -> &'static str {
        match self.primary() {
            "ar" | "he" | "fa" | "ur" | "yi" | "ps" | "dv" => "rtl",
            _ => "ltr",
        }
    }
}

/// The interface languages offered in the switch, by code and own name.
pub const INTERFACE_LANGUAGES: &[(&str, &str)] = &[("en", "English"), ("es", "Español")];

/// Chooses the language: `?lang=` first, then the browser's preference, then English.
pub fn initial_language(url_parameter: Option<String>, browser_languages: &[String]) -> Language {
    if let Some(code) = url_parameter.filter(|code| !code.trim().is_empty()) {
        return Language::new(&code);
    }
    browser_languages
        .iter()
        .map(|code| Language::new(code))
        .find(Language::has_catalogue)
        .unwrap_or_else(|| Language::new("en"))
}

pub struct Text {
    pub language_switch: &'static str,
    pub loading: &'static str,
    pub continue_button: &'static str,
    pub check_answers: &'static str,
    pub back: &'static str,
    pub step_of: fn(usize, usize) -> String,
    pub draft_restored: &'static str,
    pub start_over: &'static str,
    pub choose: &'static str,
    pub start_date: &'static str,
    pub end_date: &'static str,
    /// The order this language writes a date's parts in, as positions in
    /// `intake_engine::date_parts` (0 the day, 1 the month, 2 the year).
    pub date_order: [usize; 3],
    /// The labels of a date's fields, in that order.
    pub date_labels: [&'static str; 3],
    pub send: &'static str,
    pub sending: &'static str,
    pub pending_submissions: fn(usize) -> String,
    /// The part of the page that sends answers could not be downloaded.
    /// The part of the page that checks answers could not be downloaded.
    pub part_unavailable: &'static str,
    /// The primary button while a press waits for the part that checks answers.
    pub checking: &'static str,
    pub unusable_configuration: &'static str,
    pub widget_title: &'static str,
    /// Said after a required group's name (added unseen by the style
    /// sheet): the star beside it is hidden from screen readers.
    pub required_group: &'static str,
    /// Shown where the signature pad will be until it has been downloaded.
    pub signature_loading: &'static str,
    pub staff_title: &'static str,
    /// Words only the start, preview and staff pages use: the widget's own
    /// build leaves them out, so a phone does not download them.
    #[cfg(feature = "full")]
    pub full_app: FullAppText,
}

/// The words of the later parts (the error summary, the review, the
/// signature pad and what sending says, see `crate::shared::later`). Apart from
/// [`Text`] so that, in the widget's build, they are downloaded with those
/// parts rather than before the form shows.
pub struct LaterText {
    /// Why a form could not be shown; `None` uses the errors' own English.
    pub failure: Option<fn(&FailureKind) -> String>,
    pub error_summary_title: &'static str,
    /// What the page's title starts with while the error summary shows.
    pub title_error: &'static str,
    pub review_title: &'static str,
    pub not_answered: &'static str,
    pub change: &'static str,
    pub sent_title: &'static str,
    pub sent_reference: &'static str,
    pub sent_record: &'static str,
    pub sent_again: &'static str,
    pub upsert_status: fn(&UpsertOutcome) -> String,
    /// The ids of other records one create made (a dropped connection the
    /// browser retried), for staff to remove.
    pub sent_duplicates: fn(&str) -> String,
    pub retrying: fn(u64) -> String,
    pub waiting_for_connection: &'static str,
    pub saved_on_device: &'static str,
    /// Where the browser refuses storage (a third-party frame, private
    /// browsing): the answers live in the open page only.
    pub kept_in_page: &'static str,
    pub rejected_intro: &'static str,
    pub signature_pad_label: &'static str,
    pub signature_hint: &'static str,
    pub signature_done: &'static str,
    pub signature_clear: &'static str,
    pub signature_type_instead: &'static str,
    pub signature_drawn: &'static str,
    pub signature_cleared: &'static str,
}

/// The start, preview and staff pages' own words (see [`Text::full_app`]).
#[cfg(feature = "full")]
pub struct FullAppText {
    pub preview_valid: &'static str,
    pub response_title: &'static str,
    pub response_hint: &'static str,
    pub payload_title: &'static str,
    pub payload_hint: &'static str,
    pub first_name: &'static str,
    pub last_name: &'static str,
    pub search: &'static str,
    pub home_intro: &'static str,
    pub preview_demo: &'static str,
    pub preview_own: &'static str,
    pub preview_title: &'static str,
    pub preview_sends_nothing: &'static str,
    pub unusable_definition: &'static str,
    pub paste_label: &'static str,
    pub paste_button: &'static str,
    pub definition_check: fn(usize, usize) -> String,
    pub not_found: &'static str,
    pub go_home: &'static str,
    pub session_expired: &'static str,
    pub sign_in_title: &'static str,
    pub sign_in_intro: &'static str,
    pub token_label: &'static str,
    pub token_hint: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    pub signed_in_as: &'static str,
    pub token_refused: &'static str,
    pub target_requires: &'static str,
    pub target_cannot_store: &'static str,
    pub nothing_missing: &'static str,
    pub find_title: &'static str,
    pub locked_title: &'static str,
    pub token_unchecked: fn(&str) -> String,
    pub other_token_after_lock: &'static str,
    pub changes_title: &'static str,
    pub empty_value: &'static str,
    pub locked_intro: &'static str,
    pub idle_warning_title: &'static str,
    pub idle_warning_text: &'static str,
    pub stay_signed_in: &'static str,
    pub date_of_birth: &'static str,
    pub search_needs_name: &'static str,
    /// The date of birth typed is not a real date: the search ran without it.
    pub born_left_out: &'static str,
    pub search_failed: &'static str,
    pub results_count: fn(usize) -> String,
    pub more_results: &'static str,
    pub delivery_title: &'static str,
    /// The deployment switched the search or the update off (`paths`: null).
    pub search_switched_off: fn(&str) -> String,
    pub update_switched_off: fn(&str) -> String,
    /// What a retry after an unknown outcome can do, per request.
    pub guarantee: fn(Guarantee) -> &'static str,
    /// While a search reads a whole list: how many records so far.
    pub records_searching: fn(usize) -> String,
    /// After it: how many records were read, and whether that was all.
    pub records_searched: fn(usize, bool) -> String,
    pub records_search_stopped: fn(usize) -> String,
    pub stop_search: &'static str,
    pub results_hint: &'static str,
    pub intake_form_legend: &'static str,
    pub service_type_label: &'static str,
    pub any_service_type: &'static str,
    pub intake_form_label: &'static str,
    pub no_intake_form: &'static str,
    pub intake_forms_count: fn(usize) -> String,
    pub new_person_button: &'static str,
    pub new_person: &'static str,
    pub editing_person: &'static str,
    pub find_another: &'static str,
    pub possible_duplicates: &'static str,
    pub create_anyway: &'static str,
}

/// A failure to fetch or load a definition, for translation.
pub enum FailureKind<'a> {
    Link(&'a LinkRefusal),
    Fetch(&'a FetchError),
    Load(&'a LoadError),
}

fn spanish_failure(failure: &FailureKind) -> String {
    match failure {
        FailureKind::Link(LinkRefusal::UnknownConfiguration) => "Este enlace nombra una configuración que este sitio no tiene, así que no se cargó ni se envió nada. Use el enlace que la organización publicó en su propio sitio web.".into(),
        FailureKind::Link(LinkRefusal::ChoosesDestination(names)) => format!(
            "Este enlace intenta elegir adónde se envían sus respuestas ({}). Solo la configuración de la propia organización puede hacerlo, así que no se cargó ni se envió nada. Use el enlace que la organización publicó en su propio sitio web.",
            names.join(", ")
        ),
        FailureKind::Fetch(FetchError::Network { url }) => format!(
            "No se pudo acceder a {url}. Revise su conexión; si el archivo está en otro sitio, ese sitio debe permitir solicitudes de otros orígenes (CORS)."
        ),
        FailureKind::Fetch(FetchError::Status { url, status: 404 }) => format!("No se encontró {url} (HTTP 404). Revise la dirección."),
        FailureKind::Fetch(FetchError::Status { url, status }) => format!("{url} respondió con un error (HTTP {status}). Inténtelo más tarde."),
        FailureKind::Fetch(FetchError::Body { url }) => format!("No se pudo leer la respuesta de {url}."),
        FailureKind::Fetch(FetchError::NotAllowed { url }) => format!("{url} está en un sitio que la configuración de la organización no nombra, así que no se le pidió nada."),
        FailureKind::Load(LoadError::NotJson { line, column, .. }) => {
            format!("La definición del formulario no es JSON válido (línea {line}, columna {column}).")
        }
        FailureKind::Load(LoadError::TooDeep) => "La definición del formulario tiene demasiados niveles anidados; no se leyó.".into(),
        FailureKind::Load(LoadError::NotAnObject { .. }) => {
            "La definición del formulario debe ser un objeto JSON con `sections` o `questions`.".into()
        }
        FailureKind::Load(LoadError::NoQuestions) => "La definición del formulario no tiene preguntas.".into(),
        FailureKind::Load(LoadError::DuplicateQuestionId { id, first_path, second_path }) => format!(
            "Dos preguntas tienen el mismo id «{id}» ({first_path} y {second_path}); cada pregunta necesita su propio id."
        ),
        FailureKind::Load(LoadError::DefinitionTooLarge { bytes }) => format!(
            "La definición del formulario ocupa {bytes} bytes, más de los {} que puede ocupar un formulario, así que no se leyó; compruebe que es el archivo correcto o divida el formulario.",
            intake_engine::MAX_DEFINITION_BYTES
        ),
        FailureKind::Load(LoadError::TooManyQuestions { count }) => format!(
            "El formulario tiene {count} preguntas, más de las {} que puede tener, así que no se leyó; divídalo en formularios más pequeños.",
            intake_engine::MAX_QUESTIONS
        ),
        FailureKind::Load(LoadError::TooManyOptions { path, count, .. }) => format!(
            "Una pregunta ({path}) tiene {count} opciones, más de las {} que puede tener una pregunta, así que el formulario no se leyó.",
            intake_engine::MAX_OPTIONS_PER_QUESTION
        ),
        FailureKind::Load(LoadError::TooManyOptionsInForm { count }) => format!(
            "El formulario tiene {count} opciones en total, más de las {} que puede tener, así que no se leyó.",
            intake_engine::MAX_OPTIONS_TOTAL
        ),
    }
}

/// What an issue's message is about: the question as the person meets it.
pub struct IssueSubject<'a> {
    /// The question's label in the interface language, without a trailing
    /// colon or star.
    label: &'a str,
    answer: AnswerKind,
    /// The person's detail the question asks for (`first_name`,
    /// `date_of_birth`), when it is bound to one.
    person_field: Option<&'a str>,
    signature: bool,
    /// The widget, where the person answers about themselves; staff intake
    /// answers about someone else.
    about_themselves: bool,
}

impl IssueSubject<'_> {
    /// The person's detail as a noun to put after "your" ("first name",
    /// "ZIP code"), taken from the label when it is a short name rather than
    /// a question ("How should we contact you?" is not).
    fn person_noun(&self) -> Option<String> {
        self.person_field?;
        let label = self.label;
        if label.is_empty() || label.ends_with('?') || label.split_whitespace().count() > 4 {
            return None;
        }
        let mut letters = label.chars();
        let first = letters.next()?;
        // An initialism keeps its capitals: "ZIP code".
        let noun = if letters.next().is_some_and(char::is_uppercase) {
            label.to_string()
        } else {
            first.to_lowercase().chain(label.chars().skip(1)).collect()
        };
        Some(noun)
    }
}

/// GOV.UK's pattern: say what to do ("Enter your first name", "Select how we
/// should contact you"), naming the question, in the person's language.
fn english_issue(kind: &IssueKind, subject: &IssueSubject) -> String {
    let quoted = if subject.label.is_empty() {
        "this question".to_string()
    } else {
        format!("“{}”", subject.label)
    };
    let noun = subject.person_noun();
    let whose = if subject.about_themselves {
        "your"
    } else {
        "the person’s"
    };
    match kind {
        // Whoever signs, signs for themselves.
        IssueKind::Required if subject.signature => {
            "Sign in the box, or type your full name to sign".into()
        }
        IssueKind::Required if subject.person_field == Some("preferred_communication_method") => {
            if subject.about_themselves {
                "Select how we should contact you".into()
            } else {
                "Select how to contact the person".into()
            }
        }
        IssueKind::Required => match (subject.answer, noun) {
            (AnswerKind::SingleChoice | AnswerKind::MultipleChoice, Some(noun)) => {
                format!("Select {whose} {noun}")
            }
            (AnswerKind::Flag, _) => format!("Select {quoted} to continue"),
            (AnswerKind::SingleChoice, None) => format!("Select an answer for {quoted}"),
            (AnswerKind::MultipleChoice, None) => {
                format!("Select at least one answer for {quoted}")
            }
            (_, Some(noun)) => format!("Enter {whose} {noun}"),
            (_, None) => format!("Enter an answer for {quoted}"),
        },
        IssueKind::NotANumber => format!("{quoted} must be a number"),
        IssueKind::NotAWholeNumber => format!("{quoted} must be a whole number"),
        IssueKind::GreaterThan(bound) => {
            format!("{quoted} must be greater than {}", number_text(*bound))
        }
        IssueKind::GreaterThanOrEqualTo(bound) => {
            format!("{quoted} must be {} or more", number_text(*bound))
        }
        IssueKind::EqualTo(bound) => format!("{quoted} must be {}", number_text(*bound)),
        IssueKind::NotEqualTo(bound) => format!("{quoted} must not be {}", number_text(*bound)),
        IssueKind::LessThan(bound) => format!("{quoted} must be less than {}", number_text(*bound)),
        IssueKind::LessThanOrEqualTo(bound) => {
            format!("{quoted} must be {} or less", number_text(*bound))
        }
        IssueKind::TooFewSelections(1) => format!("Select at least one answer for {quoted}"),
        IssueKind::TooFewSelections(minimum) => {
            format!("Select at least {minimum} answers for {quoted}")
        }
        IssueKind::TooManySelections(1) => format!("Select no more than one answer for {quoted}"),
        IssueKind::TooManySelections(maximum) => {
            format!("Select no more than {maximum} answers for {quoted}")
        }
        IssueKind::InvalidEmail => match noun {
            Some(_) => "Enter an email address in the correct format, like name@example.com".into(),
            None => format!(
                "Enter an email address for {quoted} in the correct format, like name@example.com"
            ),
        },
        IssueKind::InvalidDate => match noun {
            Some(_) => format!("{} must be a real date", subject.label),
            None => format!("{quoted} must be a real date"),
        },
        IssueKind::IncompleteDuration => format!("Enter both a start and an end date for {quoted}"),
        IssueKind::DurationEndsBeforeStart => {
            format!("The end date for {quoted} must be the same as or after the start date")
        }
        IssueKind::UnknownOption(id) => format!("“{id}” is not one of the answers for {quoted}"),
    }
}

fn spanish_issue(kind: &IssueKind, subject: &IssueSubject) -> String {
    let quoted = if subject.label.is_empty() {
        "esta pregunta".to_string()
    } else {
        format!("«{}»", subject.label)
    };
    let noun = subject.person_noun();
    match kind {
        IssueKind::Required if subject.signature => "Firme en el recuadro o escriba su nombre completo para firmar".into(),
        IssueKind::Required if subject.person_field == Some("preferred_communication_method") => {
            if subject.about_themselves {
                "Elija cómo debemos comunicarnos con usted".into()
            } else {
                "Elija cómo comunicarse con la persona".into()
            }
        }
        // "Su" is "your" and "their" alike.
        IssueKind::Required => match (subject.answer, noun) {
            (AnswerKind::SingleChoice | AnswerKind::MultipleChoice, Some(noun)) => format!("Elija su {noun}"),
            (AnswerKind::Flag, _) => format!("Marque {quoted} para continuar"),
            (AnswerKind::SingleChoice, None) => format!("Elija una respuesta para {quoted}"),
            (AnswerKind::MultipleChoice, None) => format!("Elija al menos una respuesta para {quoted}"),
            (_, Some(noun)) => format!("Escriba su {noun}"),
            (_, None) => format!("Escriba una respuesta para {quoted}"),
        },
        IssueKind::NotANumber => format!("{quoted} debe ser un número"),
        IssueKind::NotAWholeNumber => format!("{quoted} debe ser un número entero"),
        IssueKind::GreaterThan(bound) => format!("{quoted} debe ser mayor que {}", number_text(*bound)),
        IssueKind::GreaterThanOrEqualTo(bound) => format!("{quoted} debe ser {} o más", number_text(*bound)),
        IssueKind::EqualTo(bound) => format!("{quoted} debe ser {}", number_text(*bound)),
        IssueKind::NotEqualTo(bound) => format!("{quoted} no puede ser {}", number_text(*bound)),
        IssueKind::LessThan(bound) => format!("{quoted} debe ser menor que {}", number_text(*bound)),
        IssueKind::LessThanOrEqualTo(bound) => format!("{quoted} debe ser {} o menos", number_text(*bound)),
        IssueKind::TooFewSelections(1) => format!("Elija al menos una respuesta para {quoted}"),
        IssueKind::TooFewSelections(minimum) => format!("Elija al menos {minimum} respuestas para {quoted}"),
        IssueKind::TooManySelections(1) => format!("Elija como máximo una respuesta para {quoted}"),
        IssueKind::TooManySelections(maximum) => format!("Elija como máximo {maximum} respuestas para {quoted}"),
        IssueKind::InvalidEmail => match noun {
            Some(_) => "Escriba un correo electrónico con el formato correcto, como nombre@ejemplo.com".into(),
            None => format!("Escriba un correo electrónico con el formato correcto para {quoted}, como nombre@ejemplo.com"),
        },
        IssueKind::InvalidDate => format!("{quoted} debe ser una fecha real"),
        IssueKind::IncompleteDuration => format!("Escriba la fecha de inicio y la de fin de {quoted}"),
        IssueKind::DurationEndsBeforeStart => {
            format!("En {quoted}, la fecha de fin debe ser igual o posterior a la de inicio")
        }
        IssueKind::UnknownOption(id) => format!("«{id}» no es una de las respuestas de {quoted}"),
    }
}

/// The words of the sections the app adds to a form ("About you" and the
/// consent signature) in a language other than English, whose words are
/// the target catalogue's (see `intake_engine::targets::translate_built_in`).
/// Field labels are keyed by the catalogue's English label and enum values
/// by their wire value.
pub struct BuiltInText {
    pub details_title: &'static str,
    /// The staff page's title for the same section.
    pub person_title: &'static str,
    pub consent_title: &'static str,
    pub signature_label: &'static str,
    pub signature_help: &'static str,
    /// (English label, label); a field not listed keeps its English label.
    pub field_labels: &'static [(&'static str, &'static str)],
    /// (wire value, label); a value not listed is shown made readable.
    pub value_labels: &'static [(&'static str, &'static str)],
}

impl BuiltInWords for BuiltInText {
    fn details_title(&self, mode: Mode) -> &'static str {
        match mode {
            Mode::Widget => self.details_title,
            Mode::Staff => self.person_title,
        }
    }
    fn consent_title(&self) -> &'static str {
        self.consent_title
    }
    fn signature_label(&self) -> &'static str {
        self.signature_label
    }
    fn signature_help(&self) -> &'static str {
        self.signature_help
    }
    fn field_label(&self, english: &str) -> Option<&'static str> {
        look_up(self.field_labels, english)
    }
    fn value_label(&self, value: &str) -> Option<&'static str> {
        look_up(self.value_labels, value)
    }
}

fn look_up(table: &'static [(&'static str, &'static str)], key: &str) -> Option<&'static str> {
    table
        .iter()
        .find(|(known, _)| *known == key)
        .map(|(_, text)| *text)
}

pub static SPANISH_BUILT_IN: BuiltInText = BuiltInText {
    details_title: "Sus datos",
    person_title: "La persona",
    consent_title: "Consentimiento",
    signature_label: "Su firma",
    signature_help: "Firme para aceptar que la organización se comunique con usted y comparta su solicitud con los servicios que pueden ayudarle. Dibuje con el ratón, un lápiz o el dedo, o escriba su nombre completo.",
    field_labels: &[
        ("Address type", "Tipo de dirección"),
        ("Apartment, suite or unit", "Apartamento, oficina o unidad"),
        ("Citizenship", "Ciudadanía"),
        ("City", "Ciudad"),
        ("Country", "País"),
        ("Country (two-letter code)", "País (código de dos letras)"),
        ("Date of birth", "Fecha de nacimiento"),
        ("Email address", "Correo electrónico"),
        ("Email me", "Escríbanme por correo electrónico"),
        ("Emergency contact name", "Contacto de emergencia"),
        ("Emergency contact phone", "Teléfono del contacto de emergencia"),
        ("Ethnicity", "Etnia"),
        ("First name", "Nombre"),
        ("Gender", "Género"),
        ("Gender identity", "Identidad de género"),
        ("Hispanic or Latino?", "¿Hispano o latino?"),
        ("House number", "Número de casa"),
        ("How should we contact them?", "¿Cómo debemos comunicarnos con esta persona?"),
        ("How should we contact you?", "¿Cómo debemos comunicarnos con usted?"),
        ("I accept the privacy policy", "Acepto la política de privacidad"),
        ("IBAN", "IBAN"),
        ("Initials", "Iniciales"),
        ("Language (two-letter code)", "Idioma (código de dos letras)"),
        ("Last name", "Apellido"),
        ("Last name prefix", "Prefijo del apellido"),
        ("Marital status", "Estado civil"),
        ("Middle name", "Segundo nombre"),
        ("Mobile phone number", "Teléfono móvil"),
        ("Phone me", "Llámenme"),
        ("Phone number", "Teléfono"),
        ("Phone type", "Tipo de teléfono"),
        ("Postal code", "Código postal"),
        ("Preferred name", "Nombre preferido"),
        ("Primary language", "Idioma principal"),
        ("Pronouns", "Pronombres"),
        ("Race", "Raza"),
        ("Send me post", "Envíenme correo postal"),
        ("Service type", "Tipo de servicio"),
        ("Sex", "Sexo"),
        ("Signature", "Firma"),
        ("Social security number", "Número de seguro social"),
        ("State", "Estado"),
        ("State or region", "Estado o región"),
        ("Street", "Calle"),
        ("Street address", "Dirección"),
        ("Suffix", "Sufijo"),
        ("Text me", "Envíenme mensajes de texto"),
        ("Title", "Tratamiento"),
        ("User name", "Nombre de usuario"),
        ("What do you need help with?", "¿Con qué necesita ayuda?"),
        ("When should we contact you?", "¿Cuándo debemos comunicarnos con usted?"),
    ],
    value_labels: &[
        ("afternoon", "Por la tarde"),
        ("american-indian-alaska-native", "Indígena americano o nativo de Alaska"),
        ("any_time", "En cualquier momento"),
        ("asian", "Asiático"),
        ("black-african-american", "Negro o afroamericano"),
        ("divorced", "Divorciado/a"),
        ("domestic_partner", "Pareja de hecho"),
        ("email", "Correo electrónico"),
        ("evening", "Por la noche"),
        ("fax", "Fax"),
        ("female", "Mujer"),
        ("hispanic-or-latino", "Hispano o latino"),
        ("home", "Casa"),
        ("lawful-permanent-resident", "Residente permanente legal"),
        ("mailing", "Postal"),
        ("male", "Hombre"),
        ("married-civil-union", "Casado/a o unión civil"),
        ("mobile", "Móvil"),
        ("morning", "Por la mañana"),
        ("native-hawaiian-or-pacific-islander", "Nativo de Hawái u otras islas del Pacífico"),
        ("no_preference", "Sin preferencia"),
        ("non-binary", "No binario"),
        ("not-hispanic-or-latino", "No hispano ni latino"),
        ("other", "Otro"),
        ("other-race", "Otra raza"),
        ("phone_call", "Llamada telefónica"),
        ("separated", "Separado/a"),
        ("single/never-married", "Soltero/a"),
        ("sms", "Mensaje de texto"),
        ("undisclosed", "Prefiero no decirlo"),
        ("unknown", "Desconocido"),
        ("us-citizen", "Ciudadano/a de EE. UU."),
        ("us-national", "Nacional de EE. UU."),
        ("white", "Blanco"),
        ("widowed", "Viudo/a"),
        ("work", "Trabajo"),
    ],
};

pub static ENGLISH: Text = Text {
    language_switch: "Language",
    loading: "Loading the form…",
    continue_button: "Continue",
    check_answers: "Check answers",
    back: "Back",
    step_of: |position, total| format!("Step {position} of {total}"),
    draft_restored: "We restored the answers you gave earlier in this tab.",
    start_over: "Start over",
    choose: "Choose…",
    start_date: "Start date",
    end_date: "End date",
    // The order people in the United States write dates in, as the US Web
    // Design System's memorable date asks them.
    date_order: [1, 0, 2],
    date_labels: ["Month", "Day", "Year"],
    send: "Send",
    sending: "Sending…",
    pending_submissions: |count| if count == 1 { "1 submission is saved on this device and waiting to be sent.".into() } else { format!("{count} submissions are saved on this device and waiting to be sent.") },
    part_unavailable: "This page could not download the part that checks your answers. Check your connection, then try again. Your answers are kept.",
    checking: "Checking…",
    unusable_configuration: "This intake page is not set up correctly",
    widget_title: "Ask for help",
    required_group: " (required)",
    signature_loading: "Loading the signature pad…",
    staff_title: "Intake",
    #[cfg(feature = "full")]
    full_app: FullAppText {
        preview_valid: "Every answer is valid. This is a preview: nothing was sent.",
        response_title: "What would be sent",
        response_hint: "The Unite US form_response for the answers above, updated as you type.",
        payload_title: "Requests to the target",
        payload_hint: "Exactly what the app would send, updated as you type. Credentials are added when sending and never shown.",
        first_name: "First name",
        last_name: "Last name",
        search: "Search",
        home_intro: "Intake forms from Unite US form definitions, rendered in the browser.",
        preview_demo: "Preview a demo form",
        preview_own: "Preview your own form definition",
        preview_title: "Form preview",
        preview_sends_nothing: "Preview: nothing typed here is sent.",
        unusable_definition: "This form definition cannot be used",
        paste_label: "Paste or drop a form definition (JSON)",
        paste_button: "Render this definition",
        definition_check: |warnings, notices| {
            format!("Definition check: {warnings} warnings, {notices} notices")
        },
        not_found: "Page not found",
        go_home: "Go to the start page",
        session_expired: "Your sign-in has expired. Sign in again to send: your answers are kept.",
        sign_in_title: "Sign in",
        sign_in_intro: "Give your access token. It is kept in this tab's memory only and forgotten when you sign out or close the tab.",
        token_label: "Access token",
        token_hint: "The token your organisation gave you.",
        sign_in: "Sign in",
        sign_out: "Sign out",
        signed_in_as: "Signed in",
        token_refused: "That token was not accepted. Check it and try again.",
        target_requires: "Required by the target but not asked by this form",
        target_cannot_store: "Answers the target cannot store",
        nothing_missing: "None.",
        find_title: "Find the person first",
        locked_title: "Locked after a pause",
        token_unchecked: |what| format!("The token could not be checked ({what}), so you are not signed in. Try again in a moment; if it keeps happening, tell whoever runs this service."),
        other_token_after_lock: "You signed in with a different token, so the locked session was closed: find the person again. Submissions still waiting on this device are sent with your token.",
        changes_title: "Changes to save",
        empty_value: "(empty)",
        locked_intro: "Nothing was typed for a while, so the screen locked: the sign-in was forgotten and the form was taken off the screen and out of this browser's storage. Sign in again with the same token to carry on where you were.",
        idle_warning_title: "The screen will lock soon",
        idle_warning_text: "Nothing has been done on this page for a while. To protect the person's details, the screen locks in about a minute: the sign-in is forgotten and the form leaves the screen until you sign in again. What you typed is kept.",
        stay_signed_in: "Stay signed in",
        date_of_birth: "Date of birth",
        search_needs_name: "Give at least a last name (and a first name for Unite US).",
        born_left_out: "The date of birth is not a real date, so the search left it out. Check the day, month and year.",
        search_failed: "The search did not work. Check the connection and try again.",
        results_count: |count| match count { 0 => "No one found. Check the spelling, or create a new person.".into(), 1 => "1 person found.".into(), _ => format!("{count} people found.") },
        more_results: "Show more results",
        delivery_title: "If the connection fails while sending",
        search_switched_off: |vendor| format!("This deployment does not search {vendor}. Check there whether the person is already on file before you create them."),
        update_switched_off: |vendor| format!("This deployment does not update people in {vendor}: they are listed so you can tell whether the person is already on file. Change a record there."),
        guarantee: |guarantee| match guarantee {
            Guarantee::Once => "sent again safely: a repeat cannot make a second record.",
            Guarantee::LookedForFirst => "looked for before it is sent again, by its reference or by the person it names. If the browser itself resent it, staff are told which extra record to remove.",
            Guarantee::AtLeastOnce => "sent again, which may make a second record unless the organisation's gateway honours the idempotency key.",
        },
        records_searching: |count| format!("Searching: {count} records read so far."),
        records_searched: |count, whole| if whole {
            format!("Searched all {count} records.")
        } else {
            format!("Searched the first {count} records; the rest were not read. Add the date of birth or check the spelling of the name.")
        },
        records_search_stopped: |count| format!("Search stopped after {count} records; the rest were not read."),
        stop_search: "Stop searching",
        results_hint: "Up and Down arrows move between the people found.",
        intake_form_legend: "Intake form",
        service_type_label: "Service type",
        any_service_type: "Any service type",
        intake_form_label: "Form",
        no_intake_form: "None: the person's details only",
        intake_forms_count: |count| match count { 0 => "No intake form to choose: only the person's details will be saved.".into(), 1 => "1 intake form to choose from.".into(), _ => format!("{count} intake forms to choose from.") },
        new_person_button: "Create a new person",
        new_person: "New person",
        editing_person: "Editing",
        find_another: "Find another person",
        possible_duplicates: "This person may already exist. Open one of these records, or create a new person anyway.",
        create_anyway: "Create a new person anyway",
    },
};

pub static ENGLISH_LATER: LaterText = LaterText {
    failure: None,
    error_summary_title: "There is a problem",
    title_error: "Error: ",
    review_title: "Check your answers",
    not_answered: "Not answered",
    change: "Change",
    sent_title: "Sent",
    sent_reference: "Your reference",
    sent_record: "Record number",
    sent_again: "Start a new request",
    sent_duplicates: |ids| format!("The connection dropped while sending, and the browser sent it again: the service also made the record(s) {ids} for this person. Keep the one above and remove the others there."),
    upsert_status: |status| match status {
        UpsertOutcome::Created => "The server created a new record.".into(),
        UpsertOutcome::Updated => "The server updated the record.".into(),
        UpsertOutcome::Unchanged => "The server already had these values: nothing changed.".into(),
        UpsertOutcome::Other(other) => format!("The server says: {other}."),
    },
    retrying: |seconds| format!("Sending failed for now. Trying again in {seconds} s."),
    waiting_for_connection: "You are offline.",
    saved_on_device: "Your answers are saved on this device and will be sent when the connection allows. You can close this page: they are sent on your next visit.",
    kept_in_page: "This browser does not let the form save your answers on this device, so keep this page open: they are sent as soon as the connection allows.",
    rejected_intro: "The server did not accept some answers. Correct them and send again.",
    signature_pad_label: "Signature pad. Draw your signature with a mouse, pen or finger, or type your name in the field below.",
    signature_hint: "Draw your signature in the box.",
    signature_done: "Signed. Clear it to sign again.",
    signature_clear: "Clear signature",
    signature_type_instead: "Or type your full name to sign",
    signature_drawn: "Signature drawn.",
    signature_cleared: "Signature cleared.",
};

pub static SPANISH: Text = Text {
    language_switch: "Idioma",
    loading: "Cargando el formulario…",
    continue_button: "Continuar",
    check_answers: "Revisar respuestas",
    back: "Atrás",
    step_of: |position, total| format!("Paso {position} de {total}"),
    draft_restored: "Recuperamos las respuestas que dio antes en esta pestaña.",
    start_over: "Empezar de nuevo",
    choose: "Elija…",
    start_date: "Fecha de inicio",
    end_date: "Fecha de fin",
    date_order: [0, 1, 2],
    date_labels: ["Día", "Mes", "Año"],
    send: "Enviar",
    sending: "Enviando…",
    pending_submissions: |count| if count == 1 { "1 envío está guardado en este dispositivo, esperando a enviarse.".into() } else { format!("{count} envíos están guardados en este dispositivo, esperando a enviarse.") },
    part_unavailable: "Esta página no pudo descargar la parte que revisa sus respuestas. Revise su conexión e inténtelo de nuevo. Sus respuestas se conservan.",
    checking: "Revisando…",
    unusable_configuration: "Esta página de admisión no está bien configurada",
    widget_title: "Pedir ayuda",
    required_group: " (obligatoria)",
    signature_loading: "Cargando el área de firma…",
    staff_title: "Admisión",
    #[cfg(feature = "full")]
    full_app: FullAppText {
        preview_valid: "Todas las respuestas son válidas. Es una vista previa: no se envió nada.",
        response_title: "Lo que se enviaría",
        response_hint: "El form_response de Unite US para las respuestas de arriba, actualizado mientras escribe.",
        payload_title: "Solicitudes al destino",
        payload_hint: "Exactamente lo que la aplicación enviaría, actualizado mientras escribe. Las credenciales se añaden al enviar y nunca se muestran.",
        first_name: "Nombre",
        last_name: "Apellido",
        search: "Buscar",
        home_intro: "Formularios de admisión a partir de definiciones de Unite US, en el navegador.",
        preview_demo: "Ver un formulario de ejemplo",
        preview_own: "Ver su propia definición de formulario",
        preview_title: "Vista previa del formulario",
        preview_sends_nothing: "Vista previa: nada de lo que escriba aquí se envía.",
        unusable_definition: "No se puede usar esta definición de formulario",
        paste_label: "Pegue o suelte una definición de formulario (JSON)",
        paste_button: "Mostrar esta definición",
        definition_check: |warnings, notices| {
            format!("Revisión de la definición: {warnings} advertencias, {notices} avisos")
        },
        not_found: "No se encontró la página",
        go_home: "Ir a la página de inicio",
        session_expired: "Su sesión ha caducado. Vuelva a iniciar sesión para enviar: sus respuestas se conservan.",
        sign_in_title: "Iniciar sesión",
        sign_in_intro: "Indique su token de acceso. Solo se guarda en la memoria de esta pestaña y se olvida al cerrar sesión o cerrar la pestaña.",
        token_label: "Token de acceso",
        token_hint: "El token que le dio su organización.",
        sign_in: "Iniciar sesión",
        sign_out: "Cerrar sesión",
        signed_in_as: "Sesión iniciada",
        token_refused: "No se aceptó ese token. Revíselo e inténtelo de nuevo.",
        target_requires: "Exigido por el destino pero no preguntado en este formulario",
        target_cannot_store: "Respuestas que el destino no puede guardar",
        nothing_missing: "Ninguno.",
        find_title: "Primero busque a la persona",
        locked_title: "Bloqueado tras una pausa",
        token_unchecked: |what| format!("No se pudo comprobar el token ({what}), así que no ha iniciado sesión. Inténtelo de nuevo en un momento; si sigue ocurriendo, avise a quien administra este servicio."),
        other_token_after_lock: "Inició sesión con otro token, así que se cerró la sesión bloqueada: busque de nuevo a la persona. Los envíos que aún esperan en este dispositivo se envían con su token.",
        changes_title: "Cambios por guardar",
        empty_value: "(vacío)",
        locked_intro: "No se escribió nada durante un tiempo, así que la pantalla se bloqueó: se olvidó la sesión y el formulario se quitó de la pantalla y del almacenamiento de este navegador. Vuelva a iniciar sesión con el mismo token para seguir donde estaba.",
        idle_warning_title: "La pantalla se bloqueará pronto",
        idle_warning_text: "No se ha hecho nada en esta página durante un tiempo. Para proteger los datos de la persona, la pantalla se bloquea en aproximadamente un minuto: se olvida la sesión y el formulario se quita de la pantalla hasta que vuelva a iniciar sesión. Lo que escribió se conserva.",
        stay_signed_in: "Mantener la sesión iniciada",
        date_of_birth: "Fecha de nacimiento",
        search_needs_name: "Indique al menos un apellido (y un nombre para Unite US).",
        born_left_out: "La fecha de nacimiento no es una fecha real, así que la búsqueda no la tuvo en cuenta. Revise el día, el mes y el año.",
        search_failed: "La búsqueda no funcionó. Revise la conexión e inténtelo de nuevo.",
        results_count: |count| match count { 0 => "No se encontró a nadie. Revise la ortografía o cree una persona nueva.".into(), 1 => "Se encontró 1 persona.".into(), _ => format!("Se encontraron {count} personas.") },
        more_results: "Mostrar más resultados",
        delivery_title: "Si la conexión falla durante el envío",
        search_switched_off: |vendor| format!("Esta instalación no busca en {vendor}. Compruebe allí si la persona ya está registrada antes de crearla."),
        update_switched_off: |vendor| format!("Esta instalación no actualiza personas en {vendor}: se muestran para saber si la persona ya está registrada. Cambie un registro allí."),
        guarantee: |guarantee| match guarantee {
            Guarantee::Once => "se vuelve a enviar sin riesgo: repetirlo no puede crear un segundo registro.",
            Guarantee::LookedForFirst => "se busca antes de volver a enviarlo, por su referencia o por la persona que nombra. Si el propio navegador lo reenvió, se indica al personal qué registro sobrante eliminar.",
            Guarantee::AtLeastOnce => "se vuelve a enviar, lo que puede crear un segundo registro salvo que la pasarela de la organización respete la clave de idempotencia.",
        },
        records_searching: |count| format!("Buscando: {count} registros leídos hasta ahora."),
        records_searched: |count, whole| if whole {
            format!("Se buscó en los {count} registros.")
        } else {
            format!("Se buscó en los primeros {count} registros; el resto no se leyó. Añada la fecha de nacimiento o revise la ortografía del nombre.")
        },
        records_search_stopped: |count| format!("Búsqueda detenida tras {count} registros; el resto no se leyó."),
        stop_search: "Dejar de buscar",
        results_hint: "Las flechas arriba y abajo mueven entre las personas encontradas.",
        intake_form_legend: "Formulario de admisión",
        service_type_label: "Tipo de servicio",
        any_service_type: "Cualquier tipo de servicio",
        intake_form_label: "Formulario",
        no_intake_form: "Ninguno: solo los datos de la persona",
        intake_forms_count: |count| match count { 0 => "No hay formulario de admisión para elegir: solo se guardarán los datos de la persona.".into(), 1 => "1 formulario de admisión para elegir.".into(), _ => format!("{count} formularios de admisión para elegir.") },
        new_person_button: "Crear una persona nueva",
        new_person: "Persona nueva",
        editing_person: "Editando a",
        find_another: "Buscar a otra persona",
        possible_duplicates: "Puede que esta persona ya exista. Abra uno de estos registros o cree una persona nueva de todos modos.",
        create_anyway: "Crear una persona nueva de todos modos",
    },
};

pub static SPANISH_LATER: LaterText = LaterText {
    failure: Some(spanish_failure),
    error_summary_title: "Hay un problema",
    title_error: "Error: ",
    review_title: "Revise sus respuestas",
    not_answered: "Sin respuesta",
    change: "Cambiar",
    sent_title: "Enviado",
    sent_reference: "Su referencia",
    sent_record: "Número de registro",
    sent_again: "Empezar una nueva solicitud",
    sent_duplicates: |ids| format!("La conexión se cortó durante el envío y el navegador lo volvió a enviar: el servicio también creó los registros {ids} para esta persona. Conserve el de arriba y elimine los demás allí."),
    upsert_status: |status| match status {
        UpsertOutcome::Created => "El servidor creó un registro nuevo.".into(),
        UpsertOutcome::Updated => "El servidor actualizó el registro.".into(),
        UpsertOutcome::Unchanged => "El servidor ya tenía estos valores: no cambió nada.".into(),
        UpsertOutcome::Other(other) => format!("El servidor dice: {other}."),
    },
    retrying: |seconds| format!("Por ahora no se pudo enviar. Se volverá a intentar en {seconds} s."),
    waiting_for_connection: "No tiene conexión.",
    saved_on_device: "Sus respuestas están guardadas en este dispositivo y se enviarán cuando la conexión lo permita. Puede cerrar esta página: se enviarán en su próxima visita.",
    kept_in_page: "Este navegador no permite que el formulario guarde sus respuestas en este dispositivo; mantenga esta página abierta: se enviarán en cuanto la conexión lo permita.",
    rejected_intro: "El servidor no aceptó algunas respuestas. Corríjalas y vuelva a enviar.",
    signature_pad_label: "Área de firma. Dibuje su firma con el ratón, un lápiz o el dedo, o escriba su nombre en el campo de abajo.",
    signature_hint: "Dibuje su firma en el recuadro.",
    signature_done: "Firmado. Bórrelo para firmar de nuevo.",
    signature_clear: "Borrar la firma",
    signature_type_instead: "O escriba su nombre completo para firmar",
    signature_drawn: "Firma dibujada.",
    signature_cleared: "Firma borrada.",
};

/// The message to show for an issue, in the interface language. An
/// author's own message is shown as written while the interface is in
/// English; in another language our own wording is used with the question's
/// translated label, because a definition's `translations` have no place for
/// validator messages and an English message would not help a person
/// reading Spanish. `about_themselves` is the widget's "your"; staff intake
/// asks about someone else.
pub fn issue_message(
    issue: &Issue,
    question: &Question,
    language: &Language,
    about_themselves: bool,
) -> String {
    let (wording, shows_author_messages) = language.issue_wording();
    if let Some(message) = issue
        .author_message
        .as_ref()
        .filter(|_| shows_author_messages)
    {
        return message.clone();
    }
    let subject = IssueSubject {
        label: question.label_in_message(&language.code),
        answer: AnswerKind::of(question),
        person_field: question
            .field
            .as_deref()
            .and_then(|field| field.strip_prefix("person.")),
        signature: question.input_type == InputType::Signature,
        about_themselves,
    };
    wording(&issue.kind, &subject)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_comes_from_the_url_then_the_browser_then_english() {
        assert_eq!(
            initial_language(Some("es".into()), &["en-US".into()]).code,
            "es"
        );
        assert_eq!(
            initial_language(None, &["fr-FR".into(), "es-MX".into()]).code,
            "es-mx"
        );
        assert_eq!(initial_language(None, &["fr-FR".into()]).code, "en");
        assert_eq!(Language::new("ar").direction(), "rtl");
        assert_eq!(Language::new("es-MX").text().back, "Atrás");
        assert_eq!(
            Language::new("es-MX").later_text().change,
            SPANISH_LATER.change
        );
        assert_eq!(Language::new("fr").later_text().change, "Change");
    }

    /// Each question's messages after one empty check, then after the
    /// answers given, in `language`, for the widget or for staff.
    fn messages(
        answers: &[(&str, &str)],
        language: &str,
        about_themselves: bool,
    ) -> Vec<(String, String)> {
        let loaded = intake_engine::load_form_str(
            r#"{"sections": [{"id": "s", "questions": [
                {"id": "first", "input_type": "text", "label_text": "First name", "field": "person.first_name", "is_required": true,
                 "translations": {"es": {"label_text": "Nombre"}}},
                {"id": "zip", "input_type": "text", "label_text": "ZIP code", "field": "person.address.postal_code", "is_required": true},
                {"id": "birth", "input_type": "date", "label_text": "Date of birth", "field": "person.date_of_birth", "is_required": true},
                {"id": "email", "input_type": "email", "label_text": "Email address", "field": "person.email"},
                {"id": "contact", "input_type": "radio", "label_text": "How should we contact you?", "is_required": true,
                 "field": "person.preferred_communication_method", "input_options": [{"id": "phone", "label": "Phone"}]},
                {"id": "kind", "input_type": "radio", "label_text": "Address type", "field": "person.address.address_type", "is_required": true,
                 "input_options": [{"id": "home", "label": "Home"}]},
                {"id": "story", "input_type": "textarea", "label_text": "Describe your situation", "is_required": true},
                {"id": "needs", "input_type": "checkbox", "label_text": "Needs", "min_selections": 2, "max_selections": 3,
                 "input_options": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}]},
                {"id": "agree", "input_type": "checkbox", "label_text": "I agree", "is_required": true},
                {"id": "size", "input_type": "number", "label_text": "Household size",
                 "validators": [{"validation_type": "numericality", "greater_than_or_equal_to": 1, "message": "must be at least 1"}]}
            ]}]}"#,
        )
        .expect("the test form loads");
        let mut state = intake_engine::FormState::new(loaded.form);
        let given: serde_json::Map<String, serde_json::Value> = answers
            .iter()
            .map(|(id, answer)| {
                let value = serde_json::from_str(answer)
                    .unwrap_or_else(|_| serde_json::Value::from(*answer));
                (id.to_string(), value)
            })
            .collect();
        assert!(state.set_answers_from_json(&given).is_empty());
        let language = Language::new(language);
        state
            .all_issues()
            .into_iter()
            .flat_map(|(index, issues)| {
                let question = &state.form().questions[index];
                issues
                    .iter()
                    .map(|issue| {
                        (
                            question.id.clone(),
                            issue_message(issue, question, &language, about_themselves),
                        )
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    fn message_for(messages: &[(String, String)], id: &str) -> String {
        messages
            .iter()
            .filter(|(question, _)| question == id)
            .map(|(_, message)| message.clone())
            .collect::<Vec<_>>()
            .join(" | ")
    }

    #[test]
    fn issues_say_what_to_do_with_the_person_s_own_details_in_each_language() {
        let english = messages(&[], "en", true);
        for (id, expected) in [
            ("first", "Enter your first name"),
            ("zip", "Enter your ZIP code"),
            ("birth", "Enter your date of birth"),
            ("contact", "Select how we should contact you"),
            ("kind", "Select your address type"),
            ("story", "Enter an answer for “Describe your situation”"),
            ("agree", "Select “I agree” to continue"),
        ] {
            assert_eq!(message_for(&english, id), expected, "{id}");
        }
        let staff = messages(&[], "en", false);
        assert_eq!(
            message_for(&staff, "first"),
            "Enter the person’s first name"
        );
        assert_eq!(
            message_for(&staff, "contact"),
            "Select how to contact the person"
        );
        let spanish = messages(&[], "es", true);
        for (id, expected) in [
            ("first", "Escriba su nombre"),
            ("contact", "Elija cómo debemos comunicarnos con usted"),
            (
                "story",
                "Escriba una respuesta para «Describe your situation»",
            ),
            ("agree", "Marque «I agree» para continuar"),
        ] {
            assert_eq!(message_for(&spanish, id), expected, "{id}");
        }
    }

    #[test]
    fn rule_issues_name_the_question_and_the_author_s_words_stay_in_english_only() {
        let answers = [
            ("birth", "1985-02-30"),
            ("email", "maria.example.org"),
            ("needs", r#"["a"]"#),
            ("size", "0"),
        ];
        let english = messages(&answers, "en", true);
        let spanish = messages(&answers, "es", true);
        for (messages, id, expected) in [
            (&english, "birth", "Date of birth must be a real date"),
            (
                &english,
                "email",
                "Enter an email address in the correct format, like name@example.com",
            ),
            (&english, "needs", "Select at least 2 answers for “Needs”"),
            (&english, "size", "Household size must be at least 1"),
            (&spanish, "birth", "«Date of birth» debe ser una fecha real"),
            (
                &spanish,
                "needs",
                "Elija al menos 2 respuestas para «Needs»",
            ),
            (&spanish, "size", "«Household size» debe ser 1 o más"),
        ] {
            assert_eq!(message_for(messages, id), expected, "{id}");
        }
    }
}
