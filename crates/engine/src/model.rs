//! The form definition as the engine understands it, after the loader has
//! tidied the untidy JSON. Sections and questions are sorted by display order.

use std::collections::BTreeMap;

/// A question's position in [`Form::questions`], which is in display order.
/// Indices are how the engine refers to questions internally: cheap to copy
/// and compare, unlike ids.
pub type QuestionIndex = usize;

#[derive(Clone, Debug, Default)]
pub struct Form {
    pub id: String,
    pub name: String,
    /// Language → the form's name in it (our extension, as for sections).
    pub name_translations: BTreeMap<String, String>,
    pub notes_text: Option<String>,
    pub sections: Vec<Section>,
    /// Every question in display order: sections in order, questions in order
    /// inside each section.
    pub questions: Vec<Question>,
    /// Every question's index, in the order of their ids, for lookup by
    /// id. A sorted list rather than a hash map: a binary search does the
    /// lookup, and a map would bring a hasher and a table type into the
    /// widget's first load.
    pub(crate) index_by_id: Vec<QuestionIndex>,
}

impl Form {
    /// The form's name in `language` (a primary code such as `es`), else as
    /// written.
    pub fn name_in(&self, language: &str) -> &str {
        self.name_translations
            .get(language)
            .map_or(&self.name, String::as_str)
    }

    /// Whether the definition has words of its own in `language` (a code
    /// such as `ar` or `es-MX`): a question's translation or its name.
    pub fn speaks(&self, language: &str) -> bool {
        self.questions
            .iter()
            .any(|question| question.translation(language).is_some())
            || self.name_translations.contains_key(language)
    }

    pub fn question_index(&self, id: &str) -> Option<QuestionIndex> {
        let position = self
            .index_by_id
            .binary_search_by(|&index| {
                self.questions
                    .get(index)
                    .map_or("", |question| question.id.as_str())
                    .cmp(id)
            })
            .ok()?;
        self.index_by_id.get(position).copied()
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.question_index(id).map(|index| &self.questions[index])
    }

    /// The form split into steps: a `break` section starts a new step. Steps
    /// with no questions are left out, and a form always has at least one step.
    pub fn steps(&self) -> Vec<Step> {
        let mut steps = vec![Step::default()];
        for (section_index, section) in self.sections.iter().enumerate() {
            let current_has_content = steps.last().is_some_and(|step| !step.sections.is_empty());
            if section.section_type == SectionType::Break && current_has_content {
                steps.push(Step::default());
            }
            if !section.questions.is_empty() {
                if let Some(step) = steps.last_mut() {
                    step.sections.push(section_index);
                }
            }
        }
        if steps.len() > 1 {
            steps.retain(|step| !step.sections.is_empty());
        }
        steps
    }

    /// Like [`Form::steps`], then splits any step with more than
    /// `max_questions` questions at section boundaries, and a single section
    /// longer than that into pieces, so long forms can be paged by
    /// configuration.
    pub fn steps_with_limit(&self, max_questions: usize) -> Vec<Step> {
        let max_questions = max_questions.max(1);
        let mut result = Vec::new();
        for step in self.steps() {
            let mut current = Step::default();
            let mut count = 0;
            for &section_index in &step.sections {
                let size = self.sections[section_index].questions.len();
                if count > 0 && count + size > max_questions {
                    result.push(std::mem::take(&mut current));
                    count = 0;
                }
                current.sections.push(section_index);
                count += size;
            }
            if !current.sections.is_empty() || result.is_empty() {
                result.push(current);
            }
        }
        result
    }
}

/// A group of sections shown together on one screen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Step {
    /// Indices into [`Form::sections`].
    pub sections: Vec<usize>,
}

impl Step {
    pub fn question_indices<'a>(
        &'a self,
        form: &'a Form,
    ) -> impl Iterator<Item = QuestionIndex> + 'a {
        self.sections
            .iter()
            .flat_map(move |&section| form.sections[section].questions.iter().copied())
    }
}

#[derive(Clone, Debug, Default)]
pub struct Section {
    pub id: String,
    pub name: String,
    /// As the definition gives it: where the app places a section of its
    /// own beside this one.
    pub display_order: Option<f64>,
    /// Whether the section's name is shown as a heading.
    pub display_name: bool,
    pub section_type: SectionType,
    /// Indices into [`Form::questions`], in display order.
    pub questions: Vec<QuestionIndex>,
    /// Language → the section's name in it: the app's words for the
    /// sections it adds (definitions give section names in one language).
    pub translations: BTreeMap<String, String>,
}

impl Section {
    /// The section's name in `language` (a primary code such as `es`),
    /// else as written.
    pub fn name_in(&self, language: &str) -> &str {
        self.translations
            .get(language)
            .map_or(&self.name, String::as_str)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SectionType {
    #[default]
    FormGroup,
    /// A page break: the sections after it are shown on the next step.
    Break,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HelpTextPosition {
    BeforeInput,
    #[default]
    AfterInput,
}

/// How a question is answered. Unite US's own types come first; the rest are
/// this project's additive extensions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputType {
    Text,
    Textarea,
    Number,
    Email,
    Date,
    Duration,
    Select,
    Checkbox,
    Radio,
    /// Display-only text: no input and no answer.
    Block,
    Tel,
    Url,
    Time,
    /// A drawn signature, answered with a base64 PNG data URL.
    Signature,
    /// Any other HTML input type (for example `color` or `month`), rendered as
    /// a plain `<input type=...>`. Unknown types that are not HTML input
    /// types are read as `text` and reported by the loader.
    OtherHtml(String),
}

impl InputType {
    pub fn as_str(&self) -> &str {
        match self {
            InputType::Text => "text",
            InputType::Textarea => "textarea",
            InputType::Number => "number",
            InputType::Email => "email",
            InputType::Date => "date",
            InputType::Duration => "duration",
            InputType::Select => "select",
            InputType::Checkbox => "checkbox",
            InputType::Radio => "radio",
            InputType::Block => "block",
            InputType::Tel => "tel",
            InputType::Url => "url",
            InputType::Time => "time",
            InputType::Signature => "signature",
            InputType::OtherHtml(name) => name,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct InputOption {
    pub id: String,
    pub option_label: String,
    pub base_input_option_id: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct QuestionTranslation {
    pub label_text: Option<String>,
    pub help_text: Option<String>,
    pub placeholder_text: Option<String>,
    /// Option id → translated label.
    pub options: BTreeMap<String, String>,
}

#[derive(Clone, Debug)]
pub struct Question {
    pub id: String,
    pub base_question_id: Option<String>,
    /// Index into [`Form::sections`].
    pub section: usize,
    pub label_text: String,
    pub placeholder_text: Option<String>,
    /// Help text to show, already `None` when `show_help_text` is false.
    pub help_text: Option<String>,
    pub help_text_position: HelpTextPosition,
    pub input_type: InputType,
    pub is_required: bool,
    pub is_sensitive: bool,
    /// 0 means no limit.
    pub min_selections: u32,
    /// 0 means no limit.
    pub max_selections: u32,
    pub input_options: Vec<InputOption>,
    pub validators: Vec<Validator>,
    pub conditional_display: Option<ConditionalDisplay>,
    /// Where the answer goes in the app's person model, e.g. `person.first_name`.
    pub field: Option<String>,
    /// Language code → translated texts.
    pub translations: BTreeMap<String, QuestionTranslation>,
    pub usage_contexts: Vec<String>,
    pub css_classes: Vec<String>,
    /// The stored answer from `response.response_value`, used as the initial answer.
    pub prefill: Option<crate::answer::Answer>,
}

impl Question {
    /// Required by `is_required`, by a `presence` validator, or, for choice
    /// questions, by `min_selections >= 1`.
    pub fn required(&self) -> bool {
        self.is_required
            || self
                .validators
                .iter()
                .any(|validator| matches!(validator.kind, ValidatorKind::Presence))
            || (self.min_selections >= 1
                && matches!(self.input_type, InputType::Select | InputType::Checkbox)
                && !self.input_options.is_empty())
    }

    /// A select becomes a multi-select when either limit allows more than one.
    pub fn is_multi_select(&self) -> bool {
        self.input_type == InputType::Select && (self.max_selections > 1 || self.min_selections > 1)
    }

    /// A checkbox without options is one yes/no box.
    pub fn is_single_checkbox(&self) -> bool {
        self.input_type == InputType::Checkbox && self.input_options.is_empty()
    }

    pub fn option(&self, option_id: &str) -> Option<&InputOption> {
        self.input_options
            .iter()
            .find(|option| option.id == option_id)
    }

    /// The label in `language` as a message names the question: without a
    /// trailing colon or star.
    pub fn label_in_message(&self, language: &str) -> &str {
        self.label(language)
            .trim()
            .trim_end_matches([':', '*'])
            .trim()
    }

    pub fn label(&self, language: &str) -> &str {
        self.translation(language)
            .and_then(|translation| translation.label_text.as_deref())
            .unwrap_or(&self.label_text)
    }

    pub fn help(&self, language: &str) -> Option<&str> {
        self.help_text.as_ref()?;
        self.translation(language)
            .and_then(|translation| translation.help_text.as_deref())
            .or(self.help_text.as_deref())
    }

    pub fn placeholder(&self, language: &str) -> Option<&str> {
        self.translation(language)
            .and_then(|translation| translation.placeholder_text.as_deref())
            .or(self.placeholder_text.as_deref())
    }

    pub fn option_label<'a>(&'a self, option: &'a InputOption, language: &str) -> &'a str {
        self.translation(language)
            .and_then(|translation| translation.options.get(&option.id))
            .map(String::as_str)
            .unwrap_or(&option.option_label)
    }

    fn translation(&self, language: &str) -> Option<&QuestionTranslation> {
        self.translations.get(language).or_else(|| {
            let primary = language.split(['-', '_']).next()?;
            self.translations.get(primary)
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Validator {
    pub kind: ValidatorKind,
    /// The author's message; shown after the label when it starts in lower case.
    pub message: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ValidatorKind {
    Presence,
    Numericality {
        only_integer: bool,
        greater_than: Option<f64>,
        greater_than_or_equal_to: Option<f64>,
        equal_to: Option<f64>,
        not_equal_to: Option<f64>,
        less_than: Option<f64>,
        less_than_or_equal_to: Option<f64>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShowOrHide {
    Show,
    Hide,
}

#[derive(Clone, Debug)]
pub struct ConditionalDisplay {
    pub show_or_hide: ShowOrHide,
    pub and_conditions: Vec<Condition>,
    pub or_conditions: Vec<Condition>,
}

impl ConditionalDisplay {
    pub fn conditions(&self) -> impl Iterator<Item = &Condition> {
        self.and_conditions.iter().chain(self.or_conditions.iter())
    }
}

#[derive(Clone, Debug)]
pub struct Condition {
    pub question_id: String,
    /// The question read, or `None` when `question_id` names no question (the
    /// condition then reads a blank answer, and the loader reports it).
    pub source: Option<QuestionIndex>,
    pub operator: Operator,
    pub operator_value: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operator {
    Equals,
    Is,
    IsNot,
    GreaterThan,
    LessThan,
    Contains,
    DoesNotContain,
    IsBlank,
    IsNotBlank,
    /// An operator the engine does not know; it always evaluates to false.
    Unknown(String),
}

impl Operator {
    pub fn parse(text: &str) -> Operator {
        match text.trim().to_ascii_lowercase().as_str() {
            "=" => Operator::Equals,
            "is" => Operator::Is,
            "is_not" => Operator::IsNot,
            "greater_than" => Operator::GreaterThan,
            "less_than" => Operator::LessThan,
            "contains" => Operator::Contains,
            "does_not_contain" => Operator::DoesNotContain,
            "is_blank" => Operator::IsBlank,
            "is_not_blank" => Operator::IsNotBlank,
            _ => Operator::Unknown(text.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_form_speaks_the_languages_it_has_words_in() {
        let form = crate::load_form_str(
            r#"{"name": "Help", "translations": {"fr": {"name": "Aide"}}, "sections": [{"id": "s", "questions": [
                {"id": "q", "input_type": "text", "label_text": "Name", "translations": {"ar": {"label_text": "الاسم"}}}]}]}"#,
        )
        .expect("the test form loads")
        .form;
        assert!(form.speaks("ar"));
        assert!(form.speaks("ar-EG"), "a region falls back to its language");
        assert!(form.speaks("fr"));
        assert!(!form.speaks("de"));
    }
}
