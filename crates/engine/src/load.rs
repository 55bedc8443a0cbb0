//! Reads a Unite US form definition, however untidy, into a [`Form`].
//!
//! Loading never panics and never drops anything silently: whatever was
//! repaired or could not be used becomes a [`Problem`] with its JSON path.
//! Only a definition that cannot be used at all is refused, with one
//! [`LoadError`].

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};

use crate::answer::Answer;
#[cfg(feature = "problems")]
use crate::lint;
use crate::model::{
    Condition, ConditionalDisplay, Form, HelpTextPosition, InputOption, InputType, Operator,
    Question, QuestionTranslation, Section, SectionType, ShowOrHide, Validator, ValidatorKind,
};
use crate::problem::{LoadError, Problem, Severity};

/// The deepest JSON nesting read. A real form is about ten levels deep; the
/// limit protects the stack.
pub const MAX_NESTING_DEPTH: usize = crate::json::MAX_DEPTH;

/// The longest definition text read: 8 MiB. Definitions come from a
/// deployment's API or files, and in the authors' preview from any site an
/// author names, and they are read on phones too; a broken or hostile file
/// must be refused before reading it ties up the page, and 8 MiB is far
/// more than a real form needs (the demo forms are 4 to 8 KB).
pub const MAX_DEFINITION_BYTES: usize = 8 * 1024 * 1024;

/// The most questions a form may have (every entry of every question list,
/// the app's own built-in sections included). Real intake forms have tens
/// or hundreds (the engine's benchmark goes to the cap); the cap keeps a
/// hostile or broken definition from freezing the phone of the person who
/// opens it.
pub const MAX_QUESTIONS: usize = 10_000;

/// The most options (entries of `input_options`) one question may have.
/// Even a list of every town in a country is shorter; the cap keeps a
/// hostile or broken definition from freezing the phone of the person who
/// opens it.
pub const MAX_OPTIONS_PER_QUESTION: usize = 100_000;

/// The most options all of a form's questions may have together, for the
/// same reason as [`MAX_OPTIONS_PER_QUESTION`]: many questions just under
/// that cap would freeze a phone as surely as one question over it.
pub const MAX_OPTIONS_TOTAL: usize = 250_000;

/// A usable form and everything noticed while reading it.
#[derive(Clone, Debug)]
pub struct LoadedForm {
    pub form: Form,
    pub problems: Vec<Problem>,
}

/// Parses and loads a definition from JSON text.
pub fn load_form_str(text: &str) -> Result<LoadedForm, LoadError> {
    load_form(&parse_definition(text)?)
}

/// Parses a definition's JSON text, refusing text longer than
/// [`MAX_DEFINITION_BYTES`] before reading any of it. A caller that parses
/// a definition itself and then calls [`load_form`] should parse it with
/// this, or the size limit does not apply.
pub fn parse_definition(text: &str) -> Result<Value, LoadError> {
    if text.len() > MAX_DEFINITION_BYTES {
        return Err(LoadError::DefinitionTooLarge { bytes: text.len() });
    }
    crate::json::parse(text).map_err(LoadError::from)
}

/// Loads a definition from parsed JSON: the nested shape, the flat shape
/// (questions with `section_id`), inside `{form}`, `{data}` or `{data: {form}}`.
pub fn load_form(value: &Value) -> Result<LoadedForm, LoadError> {
    load_form_with_leading_sections(value, &[])
}

/// Loads a definition with sections of the app's own placed before the
/// form's (the built-in "About you" section), read by the same rules.
pub fn load_form_with_leading_sections(
    value: &Value,
    leading: &[Value],
) -> Result<LoadedForm, LoadError> {
    let (root, prefix) = unwrap_envelope(value)?;
    check_limits(root, &prefix, leading)?;
    let mut reader = Reader::default();
    let mut raw_sections = Vec::new();
    let section_list = reader.list(root.get("sections"), &join(&prefix, "sections"), None);
    for (position, section_value) in section_list.iter().enumerate() {
        let path = format!("{}[{position}]", join(&prefix, "sections"));
        match section_value.as_object() {
            Some(object) => raw_sections.push(reader.section(object, &path)),
            None => reader.warn(&path, None, "this section is not an object and was skipped"),
        }
    }
    // After the form's own, so that a built-in section given the display
    // order of one of them (to stand beside it) sorts after it.
    for (position, section_value) in leading.iter().enumerate() {
        let path = format!("(built in)[{position}]");
        if let Some(object) = section_value.as_object() {
            raw_sections.push(reader.section(object, &path));
        }
    }
    // Flat shape: questions beside the sections, each naming its section.
    let flat_path = join(&prefix, "questions");
    let flat_questions = reader.list(root.get("questions"), &flat_path, None);
    let mut loose_questions = Vec::new();
    for (position, question_value) in flat_questions.iter().enumerate() {
        let path = format!("{flat_path}[{position}]");
        let Some(object) = question_value.as_object() else {
            reader.warn(
                &path,
                None,
                "this question is not an object and was skipped",
            );
            continue;
        };
        let question = reader.question(object, &path);
        let section_id = reader.string(object.get("section_id"), &Field(&path, "section_id"), None);
        // A search per question: the question and section caps bound it
        // (a fraction of a second at the caps, measured), and a map here
        // would be a second map type in the widget's first load.
        match section_id.and_then(|id| raw_sections.iter_mut().find(|section| section.id == id)) {
            Some(section) => section.questions.push(question),
            None => {
                if object.get("section_id").is_some_and(|id| !id.is_null()) {
                    reader.warn(
                        &Field(&path, "section_id"),
                        Some(&question.question.id),
                        "names no section of this form; the question is shown in a section of its own at the end",
                    );
                }
                loose_questions.push(question);
            }
        }
    }
    if !loose_questions.is_empty() {
        raw_sections.push(RawSection {
            id: String::new(),
            name: String::new(),
            display_name: false,
            display_order: None,
            section_type: SectionType::FormGroup,
            questions: loose_questions,
            translations: BTreeMap::new(),
            path: flat_path.clone(),
        });
    }
    if raw_sections
        .iter()
        .all(|section| section.questions.is_empty())
    {
        return Err(LoadError::NoQuestions);
    }

    sort_by_display_order(&mut raw_sections, |section| section.display_order);
    let mut form = Form {
        id: reader
            .string(root.get("id"), &join(&prefix, "id"), None)
            .unwrap_or_default(),
        name: reader
            .string(root.get("name"), &join(&prefix, "name"), None)
            .unwrap_or_default(),
        notes_text: reader.string(root.get("notes_text"), &join(&prefix, "notes_text"), None),
        name_translations: name_translations(root),
        ..Form::default()
    };
    let mut paths: Vec<String> = Vec::new();
    let mut raw_displays = Vec::new();
    for (section_index, mut raw) in raw_sections.into_iter().enumerate() {
        sort_by_display_order(&mut raw.questions, |question| question.display_order);
        let mut section = Section {
            id: raw.id,
            name: raw.name,
            display_order: raw.display_order,
            display_name: raw.display_name,
            section_type: raw.section_type,
            questions: Vec::with_capacity(raw.questions.len()),
            translations: raw.translations,
        };
        if raw.questions.is_empty() && section.section_type == SectionType::FormGroup {
            reader.warn(
                &raw.path,
                None,
                "this section has no questions and is not shown",
            );
        }
        for raw_question in raw.questions {
            let index = form.questions.len();
            let mut question = raw_question.question;
            question.section = section_index;
            section.questions.push(index);
            paths.push(raw_question.path);
            raw_displays.push((raw_question.display, raw_question.response));
            form.questions.push(question);
        }
        form.sections.push(section);
    }
    let ids: Vec<(&str, usize)> = form
        .questions
        .iter()
        .enumerate()
        .map(|(index, question)| (question.id.as_str(), index))
        .collect();
    let (sorted, repeated) = sorted_by_text(ids);
    // Of the questions whose id was taken, the first in the form's order.
    if let Some(&(first, second)) = repeated.iter().min_by_key(|(_, second)| *second) {
        return Err(LoadError::DuplicateQuestionId {
            id: form.questions[second].id.clone(),
            first_path: paths[first].clone(),
            second_path: paths[second].clone(),
        });
    }
    form.index_by_id = sorted;

    attach_conditions(
        &mut form,
        raw_displays.iter().map(|(display, _)| display),
        &mut reader,
    );
    for (index, (_, response)) in raw_displays.iter().enumerate() {
        if let Some((value, path)) = response {
            let question = &form.questions[index];
            match Answer::from_json(question, value) {
                Ok(answer) => form.questions[index].prefill = answer,
                Err(error) => {
                    let id = question.id.clone();
                    reader.warn(
                        path,
                        Some(&id),
                        format_args!("the stored answer was not used: {error}"),
                    );
                }
            }
        }
    }
    #[cfg(feature = "problems")]
    lint::lint(&form, &paths, &mut reader.problems);
    Ok(LoadedForm {
        form,
        problems: reader.problems,
    })
}

/// A JSON list's items, when the value is a list.
fn list(value: Option<&Value>) -> Option<&[Value]> {
    value.and_then(Value::as_array).map(Vec::as_slice)
}

/// Refuses a form over [`MAX_QUESTIONS`], [`MAX_OPTIONS_PER_QUESTION`] or
/// [`MAX_OPTIONS_TOTAL`] before anything is read: counting list lengths
/// takes a moment whatever the definition holds, reading it may not.
fn check_limits(
    root: &Map<String, Value>,
    prefix: &str,
    leading: &[Value],
) -> Result<(), LoadError> {
    let sections = list(root.get("sections")).unwrap_or_default();
    // Every list of questions the loader reads, with where it is: the
    // built-in sections' (`None`), the form's sections' and the flat list.
    let lists = || {
        leading
            .iter()
            .map(|section| (None, section))
            .chain(
                sections
                    .iter()
                    .enumerate()
                    .map(|(at, section)| (Some(at), section)),
            )
            .filter_map(|(at, section)| Some((at, list(section.get("questions"))?)))
            .chain(list(root.get("questions")).map(|questions| (Some(usize::MAX), questions)))
    };
    let count: usize = lists().map(|(_, questions)| questions.len()).sum();
    if count > MAX_QUESTIONS {
        return Err(LoadError::TooManyQuestions { count });
    }
    let mut total: usize = 0;
    for (at, questions) in lists() {
        for (position, question) in questions.iter().enumerate() {
            let options = list(question.get("input_options")).map_or(0, <[Value]>::len);
            if options > MAX_OPTIONS_PER_QUESTION {
                let question_id = match question.get("id") {
                    Some(Value::String(id)) => Some(id.clone()),
                    Some(Value::Number(id)) => Some(crate::json_number_text(id)),
                    _ => None,
                };
                let list_path = match at {
                    None => "(built in)".to_string(),
                    Some(usize::MAX) => join(prefix, "questions"),
                    Some(at) => format!("{}[{at}].questions", join(prefix, "sections")),
                };
                return Err(LoadError::TooManyOptions {
                    question_id,
                    path: format!("{list_path}[{position}].input_options"),
                    count: options,
                });
            }
            total += options;
        }
    }
    if total > MAX_OPTIONS_TOTAL {
        return Err(LoadError::TooManyOptionsInForm { count: total });
    }
    Ok(())
}

fn unwrap_envelope(value: &Value) -> Result<(&Map<String, Value>, String), LoadError> {
    let kind = |value: &Value| match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    };
    let object = value
        .as_object()
        .ok_or(LoadError::NotAnObject { found: kind(value) })?;
    let is_form = |object: &Map<String, Value>| {
        object.contains_key("sections") || object.contains_key("questions")
    };
    if is_form(object) {
        return Ok((object, String::new()));
    }
    if let Some(form) = object.get("form").and_then(Value::as_object) {
        return Ok((form, "form".into()));
    }
    if let Some(data) = object.get("data").and_then(Value::as_object) {
        if let Some(form) = data.get("form").and_then(Value::as_object) {
            return Ok((form, "data.form".into()));
        }
        return Ok((data, "data".into()));
    }
    Err(LoadError::NoQuestions)
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Orders `(text, position)` pairs by text, then position, and says which
/// positions repeat an earlier one's text: `(first, repeat)` pairs. Returns
/// the positions in text order too. Sorting once keeps this fast for the
/// largest lists, without a hash map in the widget's first load; the
/// question ids and the option ids share it.
fn sorted_by_text(mut pairs: Vec<(&str, usize)>) -> (Vec<usize>, Vec<(usize, usize)>) {
    pairs.sort_unstable();
    let mut repeated = Vec::new();
    let mut first = 0;
    for (position, pair) in pairs.iter().enumerate() {
        match pairs.get(first) {
            Some(earlier) if position > first && earlier.0 == pair.0 => {
                repeated.push((earlier.1, pair.1));
            }
            _ => first = position,
        }
    }
    let sorted = pairs.into_iter().map(|(_, position)| position).collect();
    (sorted, repeated)
}

/// The text [`Reader::string`] reads from a value, without its notices
/// (the option ids are read ahead, to find repeated ones, and again with
/// their notices as each option is read).
fn plain_text(value: Option<&Value>) -> Option<Cow<'_, str>> {
    match value? {
        Value::String(text) => Some(Cow::Borrowed(text)),
        Value::Number(number) => Some(Cow::Owned(crate::json_number_text(number))),
        Value::Bool(flag) => Some(Cow::Owned(flag.to_string())),
        _ => None,
    }
}

/// Our extension for names, which Unite US's format gives in one language:
/// `"translations": {"es": {"name": "..."}}` on a form or a section.
fn name_translations(object: &Map<String, Value>) -> BTreeMap<String, String> {
    translations_of(object, "name")
}

/// Language → text, from `"translations": {"es": {key: "..."}}` on an
/// object (a form's or a section's name, a deployment's title). What is
/// not text is left out.
pub(crate) fn translations_of(object: &Map<String, Value>, key: &str) -> BTreeMap<String, String> {
    let mut texts = BTreeMap::new();
    if let Some(Value::Object(languages)) = object.get("translations") {
        for (language, translated) in languages {
            if let Some(text) = translated.get(key).and_then(Value::as_str) {
                texts.insert(language.to_ascii_lowercase(), text.trim().to_string());
            }
        }
    }
    texts
}

/// A stable sort: items without a display order keep their relative place
/// after those that have one. The places are sorted, not the items, and
/// the items then swapped into place, so the sort's code is in the widget's
/// first load once for sections, questions and options alike.
fn sort_by_display_order<T>(items: &mut [T], order: impl Fn(&T) -> Option<f64>) {
    for (from, to) in display_order_swaps(items.iter().map(order).collect()) {
        items.swap(from, to);
    }
}

/// The swaps that put items with these display orders in order.
fn display_order_swaps(orders: Vec<Option<f64>>) -> Vec<(usize, usize)> {
    // `places[i]`: the item that belongs at `i`.
    let mut places: Vec<usize> = (0..orders.len()).collect();
    places.sort_unstable_by(|&a, &b| {
        let by_order = match (orders[a], orders[b]) {
            (Some(a), Some(b)) => a.total_cmp(&b),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        by_order.then(a.cmp(&b))
    });
    // Walk each cycle of the permutation: the item carried along it is
    // swapped with the one that belongs where it stands.
    let mut swaps = Vec::new();
    for start in 0..places.len() {
        let mut here = start;
        while places[here] != usize::MAX {
            let next = std::mem::replace(&mut places[here], usize::MAX);
            if next == start {
                break;
            }
            swaps.push((here, next));
            here = next;
        }
    }
    swaps
}

struct RawSection {
    id: String,
    name: String,
    /// Language → the section's name (our extension: `translations.es.name`).
    translations: BTreeMap<String, String>,
    display_name: bool,
    display_order: Option<f64>,
    section_type: SectionType,
    questions: Vec<RawQuestion>,
    path: String,
}

struct RawQuestion {
    question: Question,
    display_order: Option<f64>,
    display: Option<RawDisplay>,
    response: Option<(Value, String)>,
    path: String,
}

struct RawDisplay {
    show_or_hide: ShowOrHide,
    /// From the flat write API: the question this display applies to.
    target_question_id: Option<String>,
    and_conditions: Vec<(String, Operator, String)>,
    or_conditions: Vec<(String, Operator, String)>,
    path: String,
}

/// Resolves the question ids that conditions read, and moves a display that
/// names another question through `show_or_hide_question_id` onto it.
fn attach_conditions<'a>(
    form: &mut Form,
    displays: impl Iterator<Item = &'a Option<RawDisplay>>,
    reader: &mut Reader,
) {
    let mut assigned: Vec<Option<&RawDisplay>> = vec![None; form.questions.len()];
    for (index, display) in displays.enumerate() {
        let Some(display) = display else { continue };
        let mut target = index;
        if let Some(target_id) = &display.target_question_id {
            match form.question_index(target_id) {
                Some(other) => target = other,
                None => reader.warn(
                    &format_args!("{}.show_or_hide_question_id", display.path),
                    Some(&form.questions[index].id.clone()),
                    format_args!("names question \"{target_id}\", which is not in the form; the conditions apply to this question instead"),
                ),
            }
        }
        if assigned[target].is_some() {
            let id = form.questions[target].id.clone();
            reader.warn(
                &display.path,
                Some(&id),
                "a second set of conditions for the same question was ignored",
            );
            continue;
        }
        assigned[target] = Some(display);
    }
    for (index, display) in assigned.into_iter().enumerate() {
        let Some(display) = display else { continue };
        let question_id = form.questions[index].id.clone();
        let mut resolve = |list: &[(String, Operator, String)], key: &str| -> Vec<Condition> {
            list.iter()
                .enumerate()
                .map(|(position, (source_id, operator, operator_value))| {
                    let source = form.question_index(source_id);
                    let path = format!("{}.{key}[{position}].question_id", display.path);
                    if source.is_none() {
                        reader.warn(&path, Some(&question_id), format_args!("reads question \"{source_id}\", which is not in the form; it reads as blank"));
                    }
                    if let Operator::Unknown(name) = operator {
                        reader.warn(
                            &format_args!("{}.{key}[{position}].operator", display.path),
                            Some(&question_id),
                            format_args!("unknown operator \"{name}\"; the condition is always false (known: =, is, is_not, greater_than, less_than, contains, does_not_contain, is_blank, is_not_blank)"),
                        );
                    }
                    Condition {
                        question_id: source_id.clone(),
                        source,
                        operator: operator.clone(),
                        operator_value: operator_value.clone(),
                    }
                })
                .collect()
        };
        let and_conditions = resolve(&display.and_conditions, "and_conditions");
        let or_conditions = resolve(&display.or_conditions, "or_conditions");
        if and_conditions.is_empty() && or_conditions.is_empty() {
            let consequence = match display.show_or_hide {
                ShowOrHide::Show => "the question is always shown",
                ShowOrHide::Hide => "the question is always hidden",
            };
            reader.warn(
                &display.path,
                Some(&question_id),
                format_args!("conditional display has no conditions; {consequence}"),
            );
        }
        form.questions[index].conditional_display = Some(ConditionalDisplay {
            show_or_hide: display.show_or_hide,
            and_conditions,
            or_conditions,
        });
    }
}

/// A JSON path formatted only when a problem is recorded: loading a large
/// form touches hundreds of thousands of fields and almost none has a problem.
struct Field<'a>(&'a str, &'a str);

impl fmt::Display for Field<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

/// Reads untidy values, recording every repair as a problem.
#[derive(Default)]
struct Reader {
    problems: Vec<Problem>,
    synthetic_ids: usize,
}

const HTML_INPUT_TYPES: &[&str] = &[
    "color",
    "range",
    "password",
    "search",
    "month",
    "week",
    "datetime-local",
];

impl Reader {
    /// Records a problem. Paths and messages are written only here, so a
    /// build without the `problems` feature (the public widget, which shows
    /// no author a definition check) writes none and ships none of their text.
    #[cfg_attr(not(feature = "problems"), allow(unused_variables))]
    fn push(
        &mut self,
        severity: Severity,
        path: &dyn fmt::Display,
        question_id: Option<&str>,
        message: &dyn fmt::Display,
    ) {
        #[cfg(feature = "problems")]
        self.problems.push(Problem {
            severity,
            path: path.to_string(),
            question_id: question_id.map(str::to_string),
            message: message.to_string(),
        });
    }

    fn warn(
        &mut self,
        path: &dyn fmt::Display,
        question_id: Option<&str>,
        message: impl fmt::Display,
    ) {
        self.push(Severity::Warning, path, question_id, &message);
    }

    fn notice(
        &mut self,
        path: &dyn fmt::Display,
        question_id: Option<&str>,
        message: impl fmt::Display,
    ) {
        self.push(Severity::Notice, path, question_id, &message);
    }

    /// A list; `null` or a missing key is an empty list.
    fn list<'v>(
        &mut self,
        value: Option<&'v Value>,
        path: &dyn fmt::Display,
        question_id: Option<&str>,
    ) -> &'v [Value] {
        match value {
            None | Some(Value::Null) => &[],
            Some(Value::Array(items)) => items,
            Some(_) => {
                self.warn(path, question_id, "should be a list; it was ignored");
                &[]
            }
        }
    }

    fn string(
        &mut self,
        value: Option<&Value>,
        path: &dyn fmt::Display,
        question_id: Option<&str>,
    ) -> Option<String> {
        match value? {
            Value::Null => None,
            Value::String(text) => Some(text.clone()),
            Value::Number(number) => {
                self.notice(
                    path,
                    question_id,
                    format_args!(
                        "was the number {}; read as text",
                        crate::json_number_text(number)
                    ),
                );
                Some(crate::json_number_text(number))
            }
            Value::Bool(flag) => {
                self.notice(
                    path,
                    question_id,
                    format_args!("was the boolean {flag}; read as text"),
                );
                Some(flag.to_string())
            }
            _ => {
                self.warn(path, question_id, "should be text; it was ignored");
                None
            }
        }
    }

    fn boolean(
        &mut self,
        value: Option<&Value>,
        path: &dyn fmt::Display,
        question_id: Option<&str>,
    ) -> Option<bool> {
        match value? {
            Value::Null => None,
            Value::Bool(flag) => Some(*flag),
            Value::String(text) => {
                let parsed = match text.trim().to_ascii_lowercase().as_str() {
                    "true" | "1" | "yes" => Some(true),
                    "false" | "0" | "no" | "" => Some(false),
                    _ => None,
                };
                match parsed {
                    Some(flag) => self.notice(
                        path,
                        question_id,
                        format_args!("was the string \"{text}\"; read as {flag}"),
                    ),
                    None => self.warn(
                        path,
                        question_id,
                        format_args!("\"{text}\" is not true or false; it was ignored"),
                    ),
                }
                parsed
            }
            Value::Number(number) => {
                let flag = number.as_f64().is_some_and(|n| n != 0.0);
                self.notice(
                    path,
                    question_id,
                    format_args!(
                        "was the number {}; read as {flag}",
                        crate::json_number_text(number)
                    ),
                );
                Some(flag)
            }
            _ => {
                self.warn(path, question_id, "should be true or false; it was ignored");
                None
            }
        }
    }

    fn number(
        &mut self,
        value: Option<&Value>,
        path: &dyn fmt::Display,
        question_id: Option<&str>,
    ) -> Option<f64> {
        match value? {
            Value::Null => None,
            Value::Number(number) => number.as_f64(),
            Value::String(text) if text.trim().is_empty() => None,
            Value::String(text) => match crate::number::parse_number(text) {
                Some(number) => {
                    self.notice(
                        path,
                        question_id,
                        format_args!("was the string \"{text}\"; read as a number"),
                    );
                    Some(number)
                }
                None => {
                    self.warn(
                        path,
                        question_id,
                        format_args!("\"{text}\" is not a number; it was ignored"),
                    );
                    None
                }
            },
            _ => {
                self.warn(path, question_id, "should be a number; it was ignored");
                None
            }
        }
    }

    fn count(
        &mut self,
        value: Option<&Value>,
        path: &dyn fmt::Display,
        question_id: Option<&str>,
    ) -> u32 {
        match self.number(value, path, question_id) {
            None => 0,
            Some(number)
                if number >= 0.0 && number.fract() == 0.0 && number <= f64::from(u32::MAX) =>
            {
                number as u32
            }
            Some(number) => {
                self.warn(
                    path,
                    question_id,
                    format_args!(
                        "{} is not a whole number of 0 or more; read as 0 (no limit)",
                        crate::number_text(number)
                    ),
                );
                0
            }
        }
    }

    /// An enum value, matched without regard to case.
    fn keyword(
        &mut self,
        value: Option<&Value>,
        path: &dyn fmt::Display,
        question_id: Option<&str>,
    ) -> Option<String> {
        let text = self.string(value, path, question_id)?;
        let lower = text.trim().to_ascii_lowercase();
        if lower != text {
            self.notice(
                path,
                question_id,
                format_args!("\"{text}\" read as \"{lower}\""),
            );
        }
        Some(lower)
    }

    fn id(&mut self, value: Option<&Value>, path: &dyn fmt::Display, what: &str) -> String {
        match self
            .string(value, path, None)
            .filter(|id| !id.trim().is_empty())
        {
            Some(id) => id,
            None => {
                self.synthetic_ids += 1;
                let id = format!("missing-id-{}", self.synthetic_ids);
                self.warn(path, None, format_args!("this {what} has no id; it was given the id \"{id}\" and its answer cannot be matched to a stored one"));
                id
            }
        }
    }

    fn section(&mut self, object: &Map<String, Value>, path: &str) -> RawSection {
        let id = self.id(object.get("id"), &Field(path, "id"), "section");
        let section_type = match self
            .keyword(
                object.get("section_type"),
                &Field(path, "section_type"),
                None,
            )
            .as_deref()
        {
            None | Some("form_group") => SectionType::FormGroup,
            Some("break") => SectionType::Break,
            Some(other) => {
                self.warn(
                    &Field(path, "section_type"),
                    None,
                    format_args!("unknown section type \"{other}\"; read as form_group"),
                );
                SectionType::FormGroup
            }
        };
        let mut questions = Vec::new();
        let list_path = format!("{path}.questions");
        for (position, question_value) in self
            .list(object.get("questions"), &list_path, None)
            .iter()
            .enumerate()
        {
            let question_path = format!("{list_path}[{position}]");
            match question_value.as_object() {
                Some(question) => questions.push(self.question(question, &question_path)),
                None => self.warn(
                    &question_path,
                    None,
                    "this question is not an object and was skipped",
                ),
            }
        }
        RawSection {
            id,
            name: self
                .string(object.get("name"), &Field(path, "name"), None)
                .unwrap_or_default(),
            display_name: self
                .boolean(
                    object.get("display_name"),
                    &Field(path, "display_name"),
                    None,
                )
                .unwrap_or(false),
            display_order: self.number(
                object.get("display_order"),
                &Field(path, "display_order"),
                None,
            ),
            section_type,
            questions,
            translations: name_translations(object),
            path: path.to_string(),
        }
    }

    fn question(&mut self, object: &Map<String, Value>, path: &str) -> RawQuestion {
        let id = self.id(object.get("id"), &Field(path, "id"), "question");
        let qid = Some(id.as_str());
        let at = |key: &'static str| Field(path, key);
        let input_type = match self
            .keyword(object.get("input_type"), &at("input_type"), qid)
            .as_deref()
        {
            Some("text") => InputType::Text,
            Some("textarea") => InputType::Textarea,
            Some("number") => InputType::Number,
            Some("email") => InputType::Email,
            Some("date") => InputType::Date,
            Some("duration") => InputType::Duration,
            Some("select") => InputType::Select,
            Some("checkbox") => InputType::Checkbox,
            Some("radio") => InputType::Radio,
            Some("block") => InputType::Block,
            Some("tel") => InputType::Tel,
            Some("url") => InputType::Url,
            Some("time") => InputType::Time,
            Some("signature") => InputType::Signature,
            Some(html) if HTML_INPUT_TYPES.contains(&html) => {
                InputType::OtherHtml(html.to_string())
            }
            Some(other) => {
                self.warn(
                    &at("input_type"),
                    qid,
                    format_args!("unknown input type \"{other}\"; shown as a text input"),
                );
                InputType::Text
            }
            None => {
                self.warn(
                    &at("input_type"),
                    qid,
                    "has no input type; shown as a text input",
                );
                InputType::Text
            }
        };
        let show_help_text = self
            .boolean(object.get("show_help_text"), &at("show_help_text"), qid)
            .unwrap_or(true);
        let help_text = self
            .string(object.get("help_text"), &at("help_text"), qid)
            .filter(|text| show_help_text && !text.trim().is_empty());
        let help_text_position = match self
            .keyword(
                object.get("help_text_position"),
                &at("help_text_position"),
                qid,
            )
            .as_deref()
        {
            Some("before_input") => HelpTextPosition::BeforeInput,
            None | Some("after_input") | Some("") => HelpTextPosition::AfterInput,
            Some(other) => {
                self.warn(
                    &at("help_text_position"),
                    qid,
                    format_args!("unknown position \"{other}\"; help is shown after the input"),
                );
                HelpTextPosition::AfterInput
            }
        };
        let mut options: Vec<(Option<f64>, InputOption)> = Vec::new();
        let listed = self.list(object.get("input_options"), &at("input_options"), qid);
        // Which options repeat an earlier one's id, found by sorting the ids
        // once: searching the kept options for each new one took half a
        // minute for 100,000 options on a desktop.
        let ids: Vec<(Cow<str>, usize)> = listed
            .iter()
            .enumerate()
            .filter_map(|(position, option)| {
                let id = plain_text(option.as_object()?.get("id"))?;
                (!id.is_empty()).then_some((id, position))
            })
            .collect();
        let mut repeats_an_id = vec![false; listed.len()];
        let (_, repeated) = sorted_by_text(
            ids.iter()
                .map(|(id, position)| (id.as_ref(), *position))
                .collect(),
        );
        for (_, second) in repeated {
            repeats_an_id[second] = true;
        }
        for (position, option_value) in listed.iter().enumerate() {
            let option_path = format!("{}[{position}]", at("input_options"));
            let Some(option) = option_value.as_object() else {
                self.warn(
                    &option_path,
                    qid,
                    "this option is not an object and was skipped",
                );
                continue;
            };
            let Some(option_id) = self
                .string(option.get("id"), &Field(&option_path, "id"), qid)
                .filter(|id| !id.is_empty())
            else {
                self.warn(
                    &option_path,
                    qid,
                    "this option has no id, so it could not be submitted; it was skipped",
                );
                continue;
            };
            if repeats_an_id[position] {
                self.warn(
                    &option_path,
                    qid,
                    format_args!("a second option with id \"{option_id}\" was skipped"),
                );
                continue;
            }
            let label = self
                .string(
                    option.get("option_label"),
                    &Field(&option_path, "option_label"),
                    qid,
                )
                .unwrap_or_default();
            let label = if label.trim().is_empty() {
                self.warn(
                    &Field(&option_path, "option_label"),
                    qid,
                    format_args!("option \"{option_id}\" has no label; its id is shown instead"),
                );
                option_id.clone()
            } else {
                label
            };
            let order = self.number(
                option.get("display_order"),
                &Field(&option_path, "display_order"),
                qid,
            );
            options.push((
                order,
                InputOption {
                    id: option_id,
                    option_label: label,
                    base_input_option_id: self.string(
                        option.get("base_input_option_id"),
                        &Field(&option_path, "base_input_option_id"),
                        qid,
                    ),
                },
            ));
        }
        sort_by_display_order(&mut options, |(order, _)| *order);
        let mut validators = Vec::new();
        for (position, validator_value) in self
            .list(object.get("validators"), &at("validators"), qid)
            .iter()
            .enumerate()
        {
            let validator_path = format!("{}[{position}]", at("validators"));
            if let Some(validator) = validator_value.as_object() {
                if let Some(validator) = self.validator(validator, &validator_path, qid) {
                    validators.push(validator);
                }
            } else {
                self.warn(
                    &validator_path,
                    qid,
                    "this validator is not an object and was ignored",
                );
            }
        }
        let display = match object.get("conditional_display") {
            Some(Value::Object(display)) if !display.is_empty() => {
                Some(self.display(display, &at("conditional_display").to_string(), qid))
            }
            None | Some(Value::Null) | Some(Value::Object(_)) => None,
            Some(_) => {
                self.warn(
                    &at("conditional_display"),
                    qid,
                    "should be an object; the question is always shown",
                );
                None
            }
        };
        let response = match object.get("response") {
            Some(Value::Object(response)) => response
                .get("response_value")
                .filter(|value| !value.is_null())
                .map(|value| (value.clone(), format!("{path}.response.response_value"))),
            _ => None,
        };
        let mut translations = BTreeMap::new();
        if let Some(Value::Object(languages)) = object.get("translations") {
            for (language, texts) in languages {
                let Some(texts) = texts.as_object() else {
                    continue;
                };
                let translation_path = format!("{}.{language}", at("translations"));
                let mut translation = QuestionTranslation {
                    label_text: self.string(
                        texts.get("label_text"),
                        &format_args!("{translation_path}.label_text"),
                        qid,
                    ),
                    help_text: self.string(
                        texts.get("help_text"),
                        &format_args!("{translation_path}.help_text"),
                        qid,
                    ),
                    placeholder_text: self.string(
                        texts.get("placeholder_text"),
                        &format_args!("{translation_path}.placeholder_text"),
                        qid,
                    ),
                    options: BTreeMap::new(),
                };
                if let Some(Value::Object(option_texts)) = texts.get("options") {
                    for (option_id, label) in option_texts {
                        if let Some(label) = label.as_str() {
                            translation
                                .options
                                .insert(option_id.clone(), label.to_string());
                        }
                    }
                }
                translations.insert(language.clone(), translation);
            }
        }
        let usage_contexts = self
            .list(object.get("usage_contexts"), &at("usage_contexts"), qid)
            .iter()
            .filter_map(|context| match context {
                Value::String(kind) => Some(kind.to_ascii_lowercase()),
                Value::Object(context) => context
                    .get("usage_context_type")
                    .and_then(Value::as_str)
                    .map(str::to_ascii_lowercase),
                _ => None,
            })
            .collect();
        let css_classes = self
            .list(object.get("css_classes"), &at("css_classes"), qid)
            .iter()
            .filter_map(|class| class.as_str().map(str::to_string))
            .collect();
        let question = Question {
            base_question_id: self.string(
                object.get("base_question_id"),
                &at("base_question_id"),
                qid,
            ),
            section: 0,
            label_text: self
                .string(object.get("label_text"), &at("label_text"), qid)
                .unwrap_or_default(),
            placeholder_text: self
                .string(object.get("placeholder_text"), &at("placeholder_text"), qid)
                .filter(|text| !text.is_empty()),
            help_text,
            help_text_position,
            input_type,
            is_required: self
                .boolean(object.get("is_required"), &at("is_required"), qid)
                .unwrap_or(false),
            is_sensitive: self
                .boolean(object.get("is_sensitive"), &at("is_sensitive"), qid)
                .unwrap_or(false),
            min_selections: self.count(object.get("min_selections"), &at("min_selections"), qid),
            max_selections: self.count(object.get("max_selections"), &at("max_selections"), qid),
            input_options: options.into_iter().map(|(_, option)| option).collect(),
            validators,
            conditional_display: None,
            field: self
                .string(object.get("field"), &at("field"), qid)
                .filter(|field| !field.trim().is_empty()),
            translations,
            usage_contexts,
            css_classes,
            prefill: None,
            id,
        };
        RawQuestion {
            display_order: self.number(
                object.get("display_order"),
                &at("display_order"),
                Some(&question.id),
            ),
            question,
            display,
            response,
            path: path.to_string(),
        }
    }

    fn validator(
        &mut self,
        object: &Map<String, Value>,
        path: &str,
        qid: Option<&str>,
    ) -> Option<Validator> {
        let message = self
            .string(object.get("message"), &Field(path, "message"), qid)
            .filter(|text| !text.trim().is_empty());
        let kind = match self
            .keyword(
                object.get("validation_type"),
                &Field(path, "validation_type"),
                qid,
            )
            .as_deref()
        {
            Some("presence") => ValidatorKind::Presence,
            Some("numericality") => {
                let mut bound =
                    |key: &str| self.number(object.get(key), &format_args!("{path}.{key}"), qid);
                let greater_than = bound("greater_than");
                let greater_than_or_equal_to = bound("greater_than_or_equal_to");
                let equal_to = bound("equal_to");
                let not_equal_to = bound("not_equal_to");
                let less_than = bound("less_than");
                let less_than_or_equal_to = bound("less_than_or_equal_to");
                ValidatorKind::Numericality {
                    only_integer: self
                        .boolean(
                            object.get("only_integer"),
                            &Field(path, "only_integer"),
                            qid,
                        )
                        .unwrap_or(false),
                    greater_than,
                    greater_than_or_equal_to,
                    equal_to,
                    not_equal_to,
                    less_than,
                    less_than_or_equal_to,
                }
            }
            Some(other) => {
                self.warn(&Field(path, "validation_type"), qid, format_args!("unknown validation type \"{other}\" was ignored (known: presence, numericality)"));
                return None;
            }
            None => {
                self.warn(
                    &path,
                    qid,
                    "validator without a validation_type was ignored",
                );
                return None;
            }
        };
        Some(Validator { kind, message })
    }

    fn display(
        &mut self,
        object: &Map<String, Value>,
        path: &str,
        qid: Option<&str>,
    ) -> RawDisplay {
        let show_or_hide = match self
            .keyword(
                object.get("show_or_hide"),
                &Field(path, "show_or_hide"),
                qid,
            )
            .as_deref()
        {
            Some("show") => ShowOrHide::Show,
            Some("hide") => ShowOrHide::Hide,
            other => {
                let found = other.map_or("nothing".to_string(), |text| format!("\"{text}\""));
                self.warn(
                    &Field(path, "show_or_hide"),
                    qid,
                    format_args!("should be \"show\" or \"hide\" but is {found}; read as \"show\""),
                );
                ShowOrHide::Show
            }
        };
        let mut conditions = |key: &str| -> Vec<(String, Operator, String)> {
            let list_path = format!("{path}.{key}");
            let mut result = Vec::new();
            for (position, value) in self
                .list(object.get(key), &list_path, qid)
                .iter()
                .enumerate()
            {
                let condition_path = format!("{list_path}[{position}]");
                let Some(condition) = value.as_object() else {
                    self.warn(
                        &condition_path,
                        qid,
                        "this condition is not an object and was ignored",
                    );
                    continue;
                };
                let source = self
                    .string(
                        condition.get("question_id"),
                        &format_args!("{condition_path}.question_id"),
                        qid,
                    )
                    .unwrap_or_default();
                let operator = self
                    .string(
                        condition.get("operator"),
                        &format_args!("{condition_path}.operator"),
                        qid,
                    )
                    .unwrap_or_default();
                let operator_value = match condition.get("operator_value") {
                    Some(Value::String(text)) => text.clone(),
                    Some(Value::Number(number)) => crate::json_number_text(number),
                    Some(Value::Bool(flag)) => flag.to_string(),
                    _ => String::new(),
                };
                result.push((source, Operator::parse(&operator), operator_value));
            }
            result
        };
        let and_conditions = conditions("and_conditions");
        let or_conditions = conditions("or_conditions");
        let target_question_id = self
            .string(
                object.get("show_or_hide_question_id"),
                &Field(path, "show_or_hide_question_id"),
                qid,
            )
            .filter(|target| !target.is_empty() && Some(target.as_str()) != qid);
        RawDisplay {
            show_or_hide,
            target_question_id,
            and_conditions,
            or_conditions,
            path: path.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::sort_by_display_order;

    #[test]
    fn display_orders_sort_stably_with_unordered_items_last() {
        let mut items = vec![
            ("c", Some(3.0)),
            ("none-1", None),
            ("a", Some(1.0)),
            ("b-first", Some(2.0)),
            ("none-2", None),
            ("b-second", Some(2.0)),
            ("minus", Some(-1.5)),
        ];
        sort_by_display_order(&mut items, |(_, order)| *order);
        let names: Vec<&str> = items.iter().map(|(name, _)| *name).collect();
        assert_eq!(
            names,
            ["minus", "a", "b-first", "b-second", "c", "none-1", "none-2"]
        );
        for length in 0..40 {
            // Reversed orders, and every third without one.
            let mut items: Vec<(usize, Option<f64>)> = (0..length)
                .map(|index| (index, (index % 3 != 0).then_some((length - index) as f64)))
                .collect();
            let mut expected = items.clone();
            expected.sort_by(|a, b| match (a.1, b.1) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            });
            sort_by_display_order(&mut items, |(_, order)| *order);
            assert_eq!(items, expected, "{length} items");
        }
    }
}
