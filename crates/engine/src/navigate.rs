//! Moving through a form's pages: its steps (split at break sections, and
//! at a question limit when one is set), then a review page when there is
//! more than one step. A step whose questions are all hidden is passed
//! over. The rules are here, tested on the host; the app keeps the current
//! page and draws it.

use crate::model::{Form, QuestionIndex};

/// A form's pages and which questions each shows.
#[derive(Clone, Debug, Default)]
pub struct Navigator {
    /// The questions of each step, in display order.
    step_questions: Vec<Vec<QuestionIndex>>,
    /// The step each section is on.
    step_of_section: Vec<usize>,
    /// The step each question is on.
    step_of_question: Vec<usize>,
    question_count: usize,
}

/// Where a passing check on a page leads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Onward {
    /// To this page (the next step with something shown, or the review).
    Page(usize),
    /// The last page was checked: send the answers (or, in the preview,
    /// say they are valid).
    Finish,
}

impl Navigator {
    /// The pages of `form`; `max_questions_per_step` splits long steps.
    pub fn new(form: &Form, max_questions_per_step: Option<usize>) -> Navigator {
        let steps = match max_questions_per_step {
            Some(limit) => form.steps_with_limit(limit),
            None => form.steps(),
        };
        let mut step_of_section = vec![0; form.sections.len()];
        for (step_index, step) in steps.iter().enumerate() {
            for &section in &step.sections {
                if let Some(owner) = step_of_section.get_mut(section) {
                    *owner = step_index;
                }
            }
        }
        let step_of_question = form
            .questions
            .iter()
            .map(|question| step_of_section.get(question.section).copied().unwrap_or(0))
            .collect();
        Navigator {
            step_questions: steps
                .iter()
                .map(|step| step.question_indices(form).collect())
                .collect(),
            step_of_section,
            step_of_question,
            question_count: form.questions.len(),
        }
    }

    /// How many steps the form has (at least one).
    pub fn step_count(&self) -> usize {
        self.step_questions.len().max(1)
    }

    /// Whether the pages end in a review: forms of more than one step.
    pub fn has_review(&self) -> bool {
        self.step_count() > 1
    }

    /// The review page's number, when there is one.
    pub fn review_page(&self) -> Option<usize> {
        self.has_review().then(|| self.step_count())
    }

    /// The last page: the review, or the only step.
    pub fn last_page(&self) -> usize {
        self.review_page().unwrap_or(self.step_count() - 1)
    }

    /// Whether `page` is the review.
    pub fn is_review(&self, page: usize) -> bool {
        self.review_page() == Some(page)
    }

    /// The step a section is on.
    pub fn step_of_section(&self, section: usize) -> usize {
        self.step_of_section.get(section).copied().unwrap_or(0)
    }

    /// The page to show to reach `question`.
    pub fn page_of(&self, question: QuestionIndex) -> usize {
        self.step_of_question.get(question).copied().unwrap_or(0)
    }

    /// The questions a page covers, for checking it: a step's own, or every
    /// question on the review.
    pub fn questions_on(&self, page: usize) -> Vec<QuestionIndex> {
        match self.step_questions.get(page) {
            Some(questions) => questions.clone(),
            None => (0..self.question_count).collect(),
        }
    }

    /// Whether a step shows anything, given which questions are visible.
    pub fn step_shown(&self, step: usize, visible: impl Fn(QuestionIndex) -> bool) -> bool {
        self.step_questions
            .get(step)
            .is_some_and(|questions| questions.iter().any(|&question| visible(question)))
    }

    /// Where a passing check on `page` leads: the next step that shows
    /// something, else the review, else the end.
    pub fn onward(&self, page: usize, visible: impl Fn(QuestionIndex) -> bool) -> Onward {
        if page >= self.last_page() {
            return Onward::Finish;
        }
        let next = (page + 1..self.step_count())
            .find(|&step| self.step_shown(step, &visible))
            .unwrap_or(self.step_count());
        Onward::Page(next.min(self.last_page()))
    }

    /// The step before `page` that shows something; `None` on the first.
    pub fn back(&self, page: usize, visible: impl Fn(QuestionIndex) -> bool) -> Option<usize> {
        (0..page.min(self.step_count()))
            .rev()
            .find(|&step| self.step_shown(step, &visible))
    }

    /// "Step N of M" as a person counts: steps with nothing shown are not
    /// counted, and the review is the last.
    pub fn progress(&self, page: usize, visible: impl Fn(QuestionIndex) -> bool) -> (usize, usize) {
        let shown: Vec<usize> = (0..self.step_count())
            .filter(|&step| self.step_shown(step, &visible))
            .collect();
        let total = shown.len() + usize::from(self.has_review());
        let position = if page >= self.step_count() {
            total
        } else {
            shown
                .iter()
                .position(|&step| step == page)
                .map_or(1, |at| at + 1)
        };
        (position, total.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load_form_str;

    /// Three steps (a break before "more" and before "last"), one question each
    /// but two on the first.
    fn three_steps() -> Form {
        load_form_str(
            r#"{"id":"f","name":"F","sections":[
                {"id":"a","name":"A","section_type":"form_group","display_order":1},
                {"id":"b1","name":"","section_type":"break","display_order":2},
                {"id":"b","name":"B","section_type":"form_group","display_order":3},
                {"id":"b2","name":"","section_type":"break","display_order":4},
                {"id":"c","name":"C","section_type":"form_group","display_order":5}],
              "questions":[
                {"id":"q1","section_id":"a","input_type":"text","label_text":"One","display_order":1},
                {"id":"q2","section_id":"a","input_type":"text","label_text":"Two","display_order":2},
                {"id":"q3","section_id":"b","input_type":"text","label_text":"Three","display_order":1},
                {"id":"q4","section_id":"c","input_type":"text","label_text":"Four","display_order":1}]}"#,
        )
        .expect("the test form loads")
        .form
    }

    fn one_step() -> Form {
        load_form_str(
            r#"{"id":"f","name":"F","sections":[{"id":"a","name":"A","section_type":"form_group"}],
              "questions":[{"id":"q1","section_id":"a","input_type":"text","label_text":"One"}]}"#,
        )
        .expect("the test form loads")
        .form
    }

    const ALL: fn(QuestionIndex) -> bool = |_| true;

    #[test]
    fn a_form_of_several_steps_ends_in_a_review() {
        let pages = Navigator::new(&three_steps(), None);
        assert_eq!(pages.step_count(), 3);
        assert_eq!(pages.review_page(), Some(3));
        assert_eq!(pages.last_page(), 3);
        assert_eq!(pages.questions_on(0), vec![0, 1]);
        assert_eq!(pages.questions_on(3), vec![0, 1, 2, 3]);
        assert_eq!(pages.page_of(2), 1);
        assert_eq!(pages.page_of(3), 2);
    }

    #[test]
    fn a_form_of_one_step_has_no_review_and_finishes_on_it() {
        let pages = Navigator::new(&one_step(), None);
        assert!(!pages.has_review());
        assert_eq!(pages.last_page(), 0);
        assert_eq!(pages.onward(0, ALL), Onward::Finish);
        assert_eq!(pages.back(0, ALL), None);
        assert_eq!(pages.progress(0, ALL), (1, 1));
    }

    /// (page, visible questions, onward, back, progress).
    type Row = (
        usize,
        &'static [QuestionIndex],
        Onward,
        Option<usize>,
        (usize, usize),
    );

    /// Each row a situation the journeys meet.
    #[test]
    fn moving_on_and_back_passes_over_steps_with_nothing_shown() {
        let pages = Navigator::new(&three_steps(), None);
        let table: &[Row] = &[
            (0, &[0, 1, 2, 3], Onward::Page(1), None, (1, 4)),
            (1, &[0, 1, 2, 3], Onward::Page(2), Some(0), (2, 4)),
            (2, &[0, 1, 2, 3], Onward::Page(3), Some(1), (3, 4)),
            (3, &[0, 1, 2, 3], Onward::Finish, Some(2), (4, 4)),
            // The middle step's only question is hidden: it is passed over
            // both ways and not counted.
            (0, &[0, 1, 3], Onward::Page(2), None, (1, 3)),
            (2, &[0, 1, 3], Onward::Page(3), Some(0), (2, 3)),
            // Everything after the first step is hidden: on to the review.
            (0, &[0, 1], Onward::Page(3), None, (1, 2)),
            (3, &[0, 1], Onward::Finish, Some(0), (2, 2)),
        ];
        for &(page, shown, onward, back, progress) in table {
            let visible = |question: QuestionIndex| shown.contains(&question);
            assert_eq!(
                pages.onward(page, visible),
                onward,
                "onward from {page} with {shown:?}"
            );
            assert_eq!(
                pages.back(page, visible),
                back,
                "back from {page} with {shown:?}"
            );
            assert_eq!(
                pages.progress(page, visible),
                progress,
                "progress on {page} with {shown:?}"
            );
        }
    }

    #[test]
    fn a_question_limit_splits_long_steps() {
        let pages = Navigator::new(&three_steps(), Some(1));
        // The first step's section holds two questions: a section is not
        // split across steps unless it alone is over the limit.
        assert!(pages.step_count() >= 3);
        assert_eq!(pages.page_of(3), pages.step_count() - 1);
        assert_eq!(pages.review_page(), Some(pages.step_count()));
    }
}
