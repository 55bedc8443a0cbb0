// Generates the benchmark's forms: one Unite US form definition per size,
// and the same form converted to SurveyJS JSON and to Form.io JSON.
//
// The forms are deterministic (a seeded generator), so every run and every
// renderer measures exactly the same questions. Shape:
// - sections of ten questions of mixed input types;
// - the first question is the "master" radio (Yes / No) that every
//   conditional question reads, so one click on it shows or hides every
//   dependent question at once;
// - about a quarter of the questions are conditional ("show" when their
//   conditions hold), with AND and OR lists that combine the master with
//   conditions on earlier questions, using `=`, `is`, `is_not_blank`,
//   `contains` and `greater_than`.
//
// Conditions read only unconditional questions, which are never hidden.
// That keeps the three renderers' results equal even though they treat a
// hidden question's answer differently (we read it as blank, SurveyJS keeps
// it, Form.io clears it). Some of the unconditional questions have a stored
// answer (`response.response_value`): the conditions in an AND list with the
// master read those, so they hold and the master decides; the conditions in
// an OR list beside the master read unanswered questions, so they fail and
// the master decides again. With the master unanswered or "No", every
// dependent question is hidden; with "Yes", every one is shown.
//
// Run `node bench/generate.mjs DIR` to write the forms into DIR for reading.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const FORM_SIZES = [50, 200, 1000];
export const MASTER_ID = 'q0001';
const MASTER_YES = { id: 'q0001_yes', label: 'Yes' };
const MASTER_NO = { id: 'q0001_no', label: 'No' };
const QUESTIONS_PER_SECTION = 10;
const CONDITIONAL_SHARE = 0.25;

/** A small seeded generator (mulberry32): the same seed gives the same form. */
function seededRandom(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    below: (count) => Math.floor(next() * count),
    pick: (items) => items[Math.floor(next() * items.length)],
    chance: (probability) => next() < probability,
  };
}

const INPUT_TYPES = ['text', 'textarea', 'number', 'email', 'date', 'select', 'radio', 'checkbox_list', 'single_checkbox'];
const SUBJECTS = ['household', 'income', 'housing', 'food', 'transport', 'health', 'childcare', 'employment', 'utilities', 'benefits', 'safety', 'education'];
const ASKS = {
  text: ['Describe the {s} situation', 'Name of the {s} contact', 'Who helps with {s}?'],
  textarea: ['Tell us more about {s}', 'Anything else about {s}?'],
  number: ['How many people need {s} support?', 'Monthly {s} cost in dollars'],
  email: ['Email for {s} updates', 'Email of the {s} case worker'],
  date: ['When did the {s} need start?', 'Date of the last {s} visit'],
  select: ['Which {s} programme applies?', 'Main {s} concern'],
  radio: ['How urgent is the {s} need?', 'Is {s} currently covered?'],
  checkbox_list: ['Which {s} services are wanted?', 'Which {s} documents do you have?'],
  single_checkbox: ['I agree to be contacted about {s}', 'The {s} details above are correct'],
};
const OPTION_LABELS = ['Option A', 'Option B', 'Option C', 'Option D', 'Option E'];

/** The stored answer a question gets when an AND condition reads it, and the condition that then holds. */
function answeredSource(question, random) {
  switch (question.kind) {
    case 'number':
      return { stored: '42', operator: 'greater_than', value: String(10 + random.below(20)) };
    case 'text':
    case 'textarea':
      return random.chance(0.5)
        ? { stored: 'alpha beta gamma', operator: 'contains', value: 'beta' }
        : { stored: 'alpha beta gamma', operator: 'is_not_blank', value: null };
    case 'email':
      return { stored: 'person@example.org', operator: 'is_not_blank', value: null };
    case 'date':
      return { stored: '2026-01-15', operator: 'is_not_blank', value: null };
    case 'select':
    case 'radio': {
      const option = question.options[1];
      return { stored: option.id, operator: random.pick(['=', 'is']), value: option.label };
    }
    case 'checkbox_list': {
      const option = question.options[0];
      return { stored: [option.id, question.options[2].id], operator: 'contains', value: option.label };
    }
    default:
      throw new Error(`no stored answer for ${question.kind}`);
  }
}

/** A condition on an unanswered question; it fails, whatever the operator. */
function unansweredSourceCondition(question, random) {
  switch (question.kind) {
    case 'number':
      return { operator: 'greater_than', value: String(random.below(100)) };
    case 'text':
    case 'textarea':
      return random.chance(0.5) ? { operator: 'contains', value: 'urgent' } : { operator: 'is_not_blank', value: null };
    case 'email':
    case 'date':
      return { operator: 'is_not_blank', value: null };
    case 'select':
    case 'radio':
      return { operator: random.pick(['=', 'is']), value: random.pick(question.options).label };
    case 'checkbox_list':
      return { operator: 'contains', value: random.pick(question.options).label };
    default:
      throw new Error(`no condition on ${question.kind}`);
  }
}

function condition(questionId, operator, value) {
  return value === null ? { question_id: questionId, operator } : { question_id: questionId, operator, operator_value: value };
}

function masterCondition(random) {
  return condition(MASTER_ID, random.pick(['=', 'is']), MASTER_YES.label);
}

/**
 * The generator's own description of a form, before it is written in any
 * renderer's format: questions in order with their kind, options, stored
 * answer and conditions.
 */
function plan(questionCount, seed) {
  const random = seededRandom(seed);
  const questions = [];
  const conditionalTarget = Math.round(questionCount * CONDITIONAL_SHARE);
  // The master is first; the first question of every section stays
  // unconditional, so no section is ever empty; the rest are candidates,
  // from which exactly a quarter of the form is drawn.
  const candidates = [];
  for (let index = 2; index < questionCount; index += 1) {
    if (index % QUESTIONS_PER_SECTION !== 0) candidates.push(index);
  }
  for (let index = candidates.length - 1; index > 0; index -= 1) {
    const other = random.below(index + 1);
    [candidates[index], candidates[other]] = [candidates[other], candidates[index]];
  }
  const conditionalIndexes = new Set(candidates.slice(0, conditionalTarget));

  for (let index = 0; index < questionCount; index += 1) {
    const id = `q${String(index + 1).padStart(4, '0')}`;
    if (index === 0) {
      questions.push({ id, kind: 'radio', label: 'Show the follow-up questions?', required: false, options: [MASTER_YES, MASTER_NO], help: 'Yes shows every follow-up question in this form.' });
      continue;
    }
    const kind = random.pick(INPUT_TYPES);
    const subject = random.pick(SUBJECTS);
    const label = `${random.pick(ASKS[kind]).replace('{s}', subject)} (${id})`;
    const options = ['select', 'radio', 'checkbox_list'].includes(kind)
      ? OPTION_LABELS.slice(0, 3 + random.below(3)).map((optionLabel, optionIndex) => ({ id: `${id}_o${optionIndex + 1}`, label: optionLabel }))
      : [];
    const question = { id, kind, label, options, required: random.chance(0.2), help: random.chance(0.15) ? `Help for ${subject}.` : null };
    if (kind === 'number' && random.chance(0.5)) question.minimum = 0;
    if (conditionalIndexes.has(index)) question.conditional = true;
    questions.push(question);
  }

  // Conditions read earlier unconditional questions that can be answered
  // (a single checkbox has no text value for `=` or `contains`).
  const readable = (question) => question.id !== MASTER_ID && !question.conditional && question.kind !== 'single_checkbox';
  // A question that a failing condition reads must stay unanswered for good.
  const readWhileUnanswered = new Set();
  for (const [index, question] of questions.entries()) {
    if (!question.conditional) continue;
    const earlier = questions.slice(0, index).filter(readable);
    const answered = earlier.filter((source) => source.stored !== undefined);
    const unanswered = earlier.filter((source) => source.stored === undefined);
    // Pick an answered source for the AND side, or give an unanswered one
    // (that no failing condition reads) its stored answer; the fallback
    // keeps the first questions valid.
    const andSource = () => {
      const free = unanswered.filter((source) => !readWhileUnanswered.has(source.id));
      if (answered.length > 0 && (free.length === 0 || random.chance(0.5))) return random.pick(answered);
      if (free.length === 0) return null;
      const fresh = random.pick(free);
      unanswered.splice(unanswered.indexOf(fresh), 1);
      Object.assign(fresh, answeredSource(fresh, random));
      return fresh;
    };
    const holds = (source) => condition(source.id, source.operator, source.value);
    const fails = (source) => {
      readWhileUnanswered.add(source.id);
      const failing = unansweredSourceCondition(source, random);
      return condition(source.id, failing.operator, failing.value);
    };
    const shape = random.below(4);
    const andPartner = shape === 0 ? null : andSource();
    const orPartner = unanswered.length > 0 ? random.pick(unanswered) : null;
    let and_conditions = [];
    let or_conditions = [];
    if (shape === 0 && orPartner) {
      // OR: the master, or a condition on an unanswered question.
      or_conditions = [masterCondition(random), fails(orPartner)];
    } else if (shape === 1 && andPartner) {
      // AND: the master and a condition that holds on a stored answer.
      and_conditions = [masterCondition(random), holds(andPartner)];
    } else if (shape === 2 && andPartner && orPartner) {
      // AND and OR: (holds and master) or (fails).
      and_conditions = [holds(andPartner), masterCondition(random)];
      or_conditions = [fails(orPartner)];
    } else if (shape === 3 && andPartner && orPartner) {
      // The master in the OR list: (fails and holds) or master.
      and_conditions = [fails(orPartner), holds(andPartner)];
      or_conditions = [masterCondition(random)];
    } else {
      and_conditions = [masterCondition(random)];
    }
    question.conditions = { and_conditions, or_conditions };
  }
  return questions;
}

function sectionsOf(questions) {
  const sections = [];
  for (let start = 0; start < questions.length; start += QUESTIONS_PER_SECTION) {
    const number = sections.length + 1;
    sections.push({ id: `s${String(number).padStart(3, '0')}`, name: `Section ${number}`, questions: questions.slice(start, start + QUESTIONS_PER_SECTION) });
  }
  return sections;
}

const UNITE_US_INPUT_TYPE = { checkbox_list: 'checkbox', single_checkbox: 'checkbox' };

/** Our format: a Unite US form definition, as the API serves it. */
function toUniteUs(name, questions) {
  return {
    form: {
      id: name,
      name: `Benchmark form, ${questions.length} questions`,
      is_active: true,
      sections: sectionsOf(questions).map((section, sectionIndex) => ({
        id: section.id,
        name: section.name,
        display_name: true,
        display_order: sectionIndex + 1,
        section_type: 'form_group',
        questions: section.questions.map((question, questionIndex) => {
          const isChoice = question.options.length > 0;
          const definition = {
            id: question.id,
            label_text: question.label,
            input_type: UNITE_US_INPUT_TYPE[question.kind] ?? question.kind,
            response_type: question.kind === 'checkbox_list' ? 'array' : 'string',
            display_order: questionIndex + 1,
            is_required: question.required,
            input_options: question.options.map((option, optionIndex) => ({ id: option.id, option_label: option.label, display_order: optionIndex + 1 })),
            validators: question.minimum === undefined ? [] : [{ validation_type: 'numericality', greater_than_or_equal_to: question.minimum }],
            conditional_display: question.conditions ? { show_or_hide: 'show', ...question.conditions } : null,
            response: question.stored === undefined ? null : { response_value: question.stored },
          };
          if (question.help) Object.assign(definition, { help_text: question.help, show_help_text: true, help_text_position: 'after_input' });
          if (question.kind === 'select') definition.max_selections = 1;
          if (!isChoice) delete definition.input_options;
          return definition;
        }),
      })),
    },
  };
}

/** The option id whose label a condition names (choice conditions compare labels in our format). */
function optionIdFor(source, label) {
  const option = source.options.find((candidate) => candidate.label === label);
  if (!option) throw new Error(`${source.id} has no option labelled ${label}`);
  return option.id;
}

function quoted(text) {
  return `'${String(text).replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** One condition as a SurveyJS expression. */
function surveyJsCondition(byId, { question_id, operator, operator_value }) {
  const source = byId.get(question_id);
  const name = `{${question_id}}`;
  const isChoice = source.options.length > 0;
  switch (operator) {
    case '=':
    case 'is':
      return `${name} = ${quoted(isChoice ? optionIdFor(source, operator_value) : operator_value)}`;
    case 'contains':
      return `${name} contains ${quoted(isChoice ? optionIdFor(source, operator_value) : operator_value)}`;
    case 'is_not_blank':
      return `${name} notempty`;
    case 'greater_than':
      return `${name} > ${Number(operator_value)}`;
    default:
      throw new Error(`no SurveyJS form for ${operator}`);
  }
}

/** Our evaluation, (all AND) or (any OR), as one SurveyJS `visibleIf`. */
function surveyJsVisibleIf(byId, { and_conditions, or_conditions }) {
  const parts = [];
  if (and_conditions.length > 0) parts.push(`(${and_conditions.map((item) => surveyJsCondition(byId, item)).join(' and ')})`);
  if (or_conditions.length > 0) parts.push(`(${or_conditions.map((item) => surveyJsCondition(byId, item)).join(' or ')})`);
  return parts.join(' or ');
}

function surveyJsQuestion(byId, question) {
  const common = { name: question.id, title: question.label, isRequired: question.required };
  if (question.help) common.description = question.help;
  if (question.conditions) common.visibleIf = surveyJsVisibleIf(byId, question.conditions);
  const choices = question.options.map((option) => ({ value: option.id, text: option.label }));
  let typed;
  switch (question.kind) {
    case 'text': typed = { type: 'text' }; break;
    case 'textarea': typed = { type: 'comment' }; break;
    case 'number': typed = { type: 'text', inputType: 'number', ...(question.minimum === undefined ? {} : { min: question.minimum }) }; break;
    case 'email': typed = { type: 'text', inputType: 'email' }; break;
    case 'date': typed = { type: 'text', inputType: 'date' }; break;
    case 'select': typed = { type: 'dropdown', choices }; break;
    case 'radio': typed = { type: 'radiogroup', choices }; break;
    case 'checkbox_list': typed = { type: 'checkbox', choices }; break;
    case 'single_checkbox': typed = { type: 'boolean', renderAs: 'checkbox' }; break;
    default: throw new Error(`no SurveyJS type for ${question.kind}`);
  }
  const converted = { ...typed, ...common };
  if (question.stored !== undefined) converted.defaultValue = question.kind === 'number' ? Number(question.stored) : question.stored;
  return converted;
}

/** SurveyJS: one page (no pagination), one panel per section. */
function toSurveyJs(name, questions) {
  const byId = new Map(questions.map((question) => [question.id, question]));
  return {
    title: `Benchmark form, ${questions.length} questions`,
    showQuestionNumbers: 'off',
    pages: [{
      name: 'all',
      elements: sectionsOf(questions).map((section) => ({
        type: 'panel',
        name: section.id,
        title: section.name,
        elements: section.questions.map((question) => surveyJsQuestion(byId, question)),
      })),
    }],
  };
}

/** One condition as JSON logic over Form.io's `data`. */
function formioCondition(byId, { question_id, operator, operator_value }) {
  const source = byId.get(question_id);
  const answer = { var: `data.${question_id}` };
  switch (operator) {
    case '=':
    case 'is':
      return { '==': [answer, source.options.length > 0 ? optionIdFor(source, operator_value) : operator_value] };
    case 'contains':
      // A Form.io checkbox list (selectboxes) answers {optionId: true|false}.
      return source.kind === 'checkbox_list'
        ? { '==': [{ var: `data.${question_id}.${optionIdFor(source, operator_value)}` }, true] }
        : { in: [operator_value, answer] };
    case 'is_not_blank':
      return { '!!': [answer] };
    case 'greater_than':
      return { '>': [answer, Number(operator_value)] };
    default:
      throw new Error(`no Form.io form for ${operator}`);
  }
}

function formioConditional(byId, { and_conditions, or_conditions }) {
  const parts = [];
  if (and_conditions.length > 0) parts.push({ and: and_conditions.map((item) => formioCondition(byId, item)) });
  if (or_conditions.length > 0) parts.push({ or: or_conditions.map((item) => formioCondition(byId, item)) });
  return { json: parts.length === 1 ? parts[0] : { or: parts } };
}

/** Form.io's `day` answers in its own order, MM/DD/YYYY. */
function formioDay(isoDate) {
  const [year, month, day] = isoDate.split('-');
  return `${month}/${day}/${year}`;
}

function formioComponent(byId, question) {
  const common = { key: question.id, label: question.label, input: true, validate: { required: question.required } };
  if (question.help) common.description = question.help;
  if (question.conditions) common.conditional = formioConditional(byId, question.conditions);
  const values = question.options.map((option) => ({ label: option.label, value: option.id }));
  let typed;
  switch (question.kind) {
    case 'text': typed = { type: 'textfield' }; break;
    case 'textarea': typed = { type: 'textarea' }; break;
    case 'number': typed = { type: 'number', ...(question.minimum === undefined ? {} : { validate: { required: question.required, min: question.minimum } }) }; break;
    case 'email': typed = { type: 'email' }; break;
    // Form.io's text field has no native date input (`inputType` is only
    // text or password) and its `datetime` picker loads flatpickr from
    // Form.io's CDN at run time, which this machine cannot reach; its `day`
    // question (month, day, year) is the date entry it bundles.
    case 'date': typed = { type: 'day' }; break;
    // The native select rather than the default Choices.js widget, for the same reason.
    case 'select': typed = { type: 'select', widget: 'html5', dataSrc: 'values', data: { values } }; break;
    case 'radio': typed = { type: 'radio', values }; break;
    case 'checkbox_list': typed = { type: 'selectboxes', values }; break;
    case 'single_checkbox': typed = { type: 'checkbox' }; break;
    default: throw new Error(`no Form.io type for ${question.kind}`);
  }
  const converted = { ...common, ...typed, validate: { ...common.validate, ...typed.validate } };
  if (question.stored !== undefined) {
    converted.defaultValue = question.kind === 'checkbox_list'
      ? Object.fromEntries(question.options.map((option) => [option.id, question.stored.includes(option.id)]))
      : question.kind === 'number' ? Number(question.stored)
        : question.kind === 'date' ? formioDay(question.stored) : question.stored;
  }
  return converted;
}

/** Form.io: a single-page form (not a wizard), one panel per section, and its submit button. */
function toFormio(name, questions) {
  const byId = new Map(questions.map((question) => [question.id, question]));
  return {
    title: `Benchmark form, ${questions.length} questions`,
    name,
    display: 'form',
    components: [
      ...sectionsOf(questions).map((section) => ({
        type: 'panel',
        key: section.id,
        title: section.name,
        input: false,
        components: section.questions.map((question) => formioComponent(byId, question)),
      })),
      { type: 'button', action: 'submit', key: 'submit', label: 'Submit', input: true },
    ],
  };
}

/**
 * The benchmark form of `questionCount` questions in all three formats, with
 * what the runner needs to check them: every question id, the ids of the
 * dependent (conditional) questions, and the master's option labels.
 */
export function generateForm(questionCount) {
  const name = `form-${questionCount}`;
  // One fixed seed per size: the forms never change between runs.
  const questions = plan(questionCount, 20260000 + questionCount);
  return {
    name,
    questionCount,
    questionIds: questions.map((question) => question.id),
    dependentIds: questions.filter((question) => question.conditional).map((question) => question.id),
    // Where the keystroke measurement types (bench/profile.mjs).
    textIds: questions.filter((question) => question.kind === 'text').map((question) => question.id),
    master: { id: MASTER_ID, yes: MASTER_YES.label, no: MASTER_NO.label },
    uniteUs: toUniteUs(name, questions),
    surveyJs: toSurveyJs(name, questions),
    formio: toFormio(name, questions),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const directory = process.argv[2] ?? 'bench-forms';
  mkdirSync(directory, { recursive: true });
  for (const size of FORM_SIZES) {
    const form = generateForm(size);
    writeFileSync(join(directory, `${form.name}.json`), JSON.stringify(form.uniteUs, null, 1));
    writeFileSync(join(directory, `${form.name}.surveyjs.json`), JSON.stringify(form.surveyJs, null, 1));
    writeFileSync(join(directory, `${form.name}.formio.json`), JSON.stringify(form.formio, null, 1));
    console.log(`${form.name}: ${form.questionCount} questions, ${form.dependentIds.length} conditional`);
  }
}
