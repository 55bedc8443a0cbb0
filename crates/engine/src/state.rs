//! A form being filled in: the answers, which questions are shown, and
//! everything derived from them.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use crate::answer::Answer;
use crate::condition::{is_shown, ConditionValue};
use crate::graph::Dependencies;
use crate::model::{Condition, Form, InputType, QuestionIndex, Step};
use crate::response::{response_value, FormResponseEntry};
use crate::validate::{validate, Issue};

/// A question whose visibility changed because of an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VisibilityChange {
    pub question: QuestionIndex,
    pub visible: bool,
}

/// Everything the engine computes for the current answers, in the shape the
/// `intake evaluate` command prints.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evaluation {
    /// Shown questions' ids, in display order (display-only blocks included).
    pub visible: Vec<String>,
    /// Ids of questions hidden by conditions, in display order.
    pub hidden: Vec<String>,
    /// Question id → issues, for shown questions with a problem.
    pub errors: BTreeMap<String, Vec<Issue>>,
    pub form_response: Vec<FormResponseEntry>,
}

#[derive(Clone, Debug)]
pub struct FormState {
    /// Shared, so the views can read the form without copies of it.
    form: Arc<Form>,
    dependencies: Dependencies,
    answers: Vec<Option<Answer>>,
    visible: Vec<bool>,
    /// Scratch space for incremental updates: which questions are queued.
    queued: Vec<bool>,
}

impl FormState {
    /// Starts from the form's stored answers (`response.response_value`).
    pub fn new(form: Form) -> FormState {
        FormState::from_shared(Arc::new(form))
    }

    /// As [`FormState::new`], for a form the caller shares too.
    pub fn from_shared(form: Arc<Form>) -> FormState {
        let count = form.questions.len();
        let answers = form
            .questions
            .iter()
            .map(|question| question.prefill.clone())
            .collect();
        let mut state = FormState {
            dependencies: Dependencies::build(&form),
            form,
            answers,
            visible: vec![true; count],
            queued: vec![false; count],
        };
        state.evaluate_all();
        state
    }

    pub fn form(&self) -> &Form {
        &self.form
    }

    /// The form, shared: a view that keeps it needs no copy.
    pub fn shared_form(&self) -> Arc<Form> {
        Arc::clone(&self.form)
    }

    pub fn answer(&self, question: QuestionIndex) -> Option<&Answer> {
        self.answers.get(question).and_then(Option::as_ref)
    }

    pub fn is_visible(&self, question: QuestionIndex) -> bool {
        self.visible.get(question).copied().unwrap_or(false)
    }

    /// A section is shown when any of its questions is.
    pub fn is_section_visible(&self, section: usize) -> bool {
        self.form.sections.get(section).is_some_and(|section| {
            section
                .questions
                .iter()
                .any(|&question| self.visible[question])
        })
    }

    /// The questions whose conditions read `question`'s answer.
    pub fn readers_of(&self, question: QuestionIndex) -> &[QuestionIndex] {
        self.dependencies
            .readers
            .get(question)
            .map_or(&[], Vec::as_slice)
    }

    /// Recomputes every question's visibility from scratch.
    pub fn evaluate_all(&mut self) {
        for position in 0..self.dependencies.order.len() {
            let question = self.dependencies.order[position];
            self.visible[question] = self.compute_visibility(question);
        }
    }

    /// Sets one answer (`None` clears it) and re-evaluates only the questions
    /// that read it, following visibility changes onward. Returns the
    /// questions whose visibility changed, in evaluation order.
    pub fn set_answer(
        &mut self,
        question: QuestionIndex,
        answer: Option<Answer>,
    ) -> Vec<VisibilityChange> {
        let Some(slot) = self.answers.get_mut(question) else {
            return Vec::new();
        };
        if *slot == answer {
            return Vec::new();
        }
        *slot = answer;
        let mut changes = Vec::new();
        let mut heap = BinaryHeap::new();
        for &reader in &self.dependencies.readers[question] {
            self.queued[reader] = true;
            heap.push(Reverse((self.dependencies.rank[reader], reader)));
        }
        while let Some(Reverse((_, current))) = heap.pop() {
            self.queued[current] = false;
            let visible = self.compute_visibility(current);
            if visible == self.visible[current] {
                continue;
            }
            self.visible[current] = visible;
            changes.push(VisibilityChange {
                question: current,
                visible,
            });
            for &reader in &self.dependencies.readers[current] {
                // Inside a cycle questions read raw answers, not visibility.
                let same_cycle =
                    self.dependencies.component[reader] == self.dependencies.component[current];
                if !same_cycle && !self.queued[reader] {
                    self.queued[reader] = true;
                    heap.push(Reverse((self.dependencies.rank[reader], reader)));
                }
            }
        }
        changes
    }

    /// Sets an answer by question id; `None` when no question has that id.
    pub fn set_answer_by_id(
        &mut self,
        id: &str,
        answer: Option<Answer>,
    ) -> Option<Vec<VisibilityChange>> {
        let question = self.form.question_index(id)?;
        Some(self.set_answer(question, answer))
    }

    /// Sets answers from a JSON object of question id → answer (the shape
    /// [`Answer::from_json`] reads). Every unusable entry is reported; the
    /// usable ones are still set.
    pub fn set_answers_from_json(
        &mut self,
        answers: &serde_json::Map<String, Value>,
    ) -> Vec<String> {
        let mut problems = Vec::new();
        for (id, value) in answers {
            let Some(index) = self.form.question_index(id) else {
                problems.push(format!(
                    "There is no question with id \"{id}\" in the form; its answer was ignored."
                ));
                continue;
            };
            match Answer::from_json(&self.form.questions[index], value) {
                Ok(answer) => {
                    self.set_answer(index, answer);
                }
                Err(error) => problems.push(error.to_string()),
            }
        }
        problems
    }

    /// The issues with one question's answer; none when it is hidden.
    pub fn issues(&self, question: QuestionIndex) -> Vec<Issue> {
        if !self.is_visible(question) {
            return Vec::new();
        }
        validate(&self.form.questions[question], self.answer(question))
    }

    /// The issues of the given questions (for example one step's), skipping
    /// hidden ones and those without issues, in the order given.
    pub fn issues_among(
        &self,
        questions: impl IntoIterator<Item = QuestionIndex>,
    ) -> Vec<(QuestionIndex, Vec<Issue>)> {
        questions
            .into_iter()
            .map(|question| (question, self.issues(question)))
            .filter(|(_, issues)| !issues.is_empty())
            .collect()
    }

    /// Every issue in the form, in display order.
    pub fn all_issues(&self) -> Vec<(QuestionIndex, Vec<Issue>)> {
        self.issues_among(0..self.form.questions.len())
    }

    /// The shown steps, leaving out steps whose questions are all hidden.
    pub fn visible_steps(&self, steps: &[Step]) -> Vec<Step> {
        steps
            .iter()
            .filter(|step| {
                step.sections
                    .iter()
                    .any(|&section| self.is_section_visible(section))
            })
            .cloned()
            .collect()
    }

    /// The answer as a person reads it, for a review page: option labels
    /// rather than ids, "Yes" for a ticked box, a date range for a duration.
    /// `None` when the question is unanswered.
    pub fn answer_text(&self, question: QuestionIndex) -> Option<String> {
        let definition = self.form.questions.get(question)?;
        let answer = self.answer(question).filter(|answer| !answer.is_blank())?;
        let label = |id: &String| {
            definition
                .option(id)
                .map_or_else(|| id.clone(), |option| option.option_label.clone())
        };
        Some(match answer {
            // A signature is an image; a page lists it as signed.
            Answer::Text(_) if definition.input_type == crate::model::InputType::Signature => {
                "Signed".to_string()
            }
            Answer::Text(text) => text.clone(),
            Answer::Duration { start, end } => format!("{start} to {end}"),
            Answer::Choice(id) => label(id),
            Answer::Choices(ids) => ids.iter().map(label).collect::<Vec<_>>().join(", "),
            Answer::Flag(_) => "Yes".to_string(),
        })
    }

    /// The Unite US `form_response` list: answered, shown questions only.
    pub fn form_response(&self) -> Vec<FormResponseEntry> {
        self.form
            .questions
            .iter()
            .enumerate()
            .filter(|&(index, _)| self.visible[index])
            .filter_map(|(index, question)| {
                let value = response_value(question, self.answers[index].as_ref()?)?;
                Some(FormResponseEntry {
                    question_id: question.id.clone(),
                    response_value: value,
                })
            })
            .collect()
    }

    /// Answers to keep in a draft, as JSON: every non-blank answer except those
    /// to sensitive questions and signatures, which never leave memory.
    pub fn draft_answers(&self) -> serde_json::Map<String, Value> {
        self.answers_json(false)
    }

    /// Every non-blank answer as JSON, sensitive ones included: for keeping
    /// in memory only (a staff session held while the screen is locked).
    pub fn answers_json(&self, with_sensitive: bool) -> serde_json::Map<String, Value> {
        self.form
            .questions
            .iter()
            .zip(&self.answers)
            .filter(|(question, _)| {
                with_sensitive
                    || !(question.is_sensitive || question.input_type == InputType::Signature)
            })
            .filter_map(|(question, answer)| {
                let answer = answer.as_ref().filter(|answer| !answer.is_blank())?;
                Some((question.id.clone(), answer.to_json()))
            })
            .collect()
    }

    pub fn evaluate(&self) -> Evaluation {
        let mut visible = Vec::new();
        let mut hidden = Vec::new();
        for (index, question) in self.form.questions.iter().enumerate() {
            if self.visible[index] {
                visible.push(question.id.clone());
            } else {
                hidden.push(question.id.clone());
            }
        }
        let errors = self
            .all_issues()
            .into_iter()
            .map(|(index, issues)| (self.form.questions[index].id.clone(), issues))
            .collect();
        Evaluation {
            visible,
            hidden,
            errors,
            form_response: self.form_response(),
        }
    }

    fn compute_visibility(&self, question: QuestionIndex) -> bool {
        let Some(display) = &self.form.questions[question].conditional_display else {
            return true;
        };
        is_shown(display, |condition| self.read(question, condition))
    }

    /// What `condition` on `reader` sees: blank when the question it reads is
    /// hidden, so hiding cascades, except inside a cycle of conditions, where
    /// raw answers are read so the result does not depend on evaluation order.
    fn read(&self, reader: QuestionIndex, condition: &Condition) -> ConditionValue {
        let Some(source) = condition.source else {
            return ConditionValue::Blank;
        };
        let same_cycle = self.dependencies.component[source] == self.dependencies.component[reader];
        if !same_cycle && !self.visible[source] {
            return ConditionValue::Blank;
        }
        ConditionValue::of(&self.form.questions[source], self.answers[source].as_ref())
    }
}
