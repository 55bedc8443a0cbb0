//! The dependency index between questions: which questions' conditions read
//! which answers, and an evaluation order in which every question comes after
//! the questions it reads (cycles aside).

use crate::model::{Form, QuestionIndex};

#[derive(Clone, Debug, Default)]
pub(crate) struct Dependencies {
    /// For each question, the questions whose conditions read its answer.
    pub readers: Vec<Vec<QuestionIndex>>,
    /// For each question, its position in [`Dependencies::order`]-by-component:
    /// a question is evaluated after every question it reads outside its own cycle.
    pub rank: Vec<usize>,
    /// For each question, the id of its strongly connected component.
    pub component: Vec<usize>,
    /// The questions in an order fit for evaluating visibility from scratch.
    pub order: Vec<QuestionIndex>,
    /// Components that form a cycle of conditions, each as its members
    /// (read by the linter, which reports them).
    #[cfg_attr(not(feature = "problems"), allow(dead_code))]
    pub cycles: Vec<Vec<QuestionIndex>>,
}

impl Dependencies {
    pub fn build(form: &Form) -> Dependencies {
        let count = form.questions.len();
        let mut sources: Vec<Vec<QuestionIndex>> = vec![Vec::new(); count];
        let mut readers: Vec<Vec<QuestionIndex>> = vec![Vec::new(); count];
        // For each question, the last reader that recorded it as a source:
        // a repeated source is then found at once, where searching the
        // reader's sources made many conditions cost their square.
        let mut last_reader: Vec<Option<QuestionIndex>> = vec![None; count];
        let mut reads_itself = vec![false; count];
        for (reader, question) in form.questions.iter().enumerate() {
            if let Some(display) = &question.conditional_display {
                for source in display
                    .conditions()
                    .filter_map(|condition| condition.source)
                {
                    if last_reader[source] != Some(reader) {
                        last_reader[source] = Some(reader);
                        sources[reader].push(source);
                        readers[source].push(reader);
                        reads_itself[reader] |= source == reader;
                    }
                }
            }
        }
        let (component, components) = strongly_connected_components(&sources);
        // Tarjan's algorithm finishes a component only after every component it
        // reads, so the order components finish in is an evaluation order.
        let mut rank = vec![0; count];
        let mut order = Vec::with_capacity(count);
        let mut cycles = Vec::new();
        for (position, members) in components.iter().enumerate() {
            for &member in members {
                rank[member] = position;
            }
            let mut sorted = members.clone();
            sorted.sort_unstable();
            order.extend(sorted.iter().copied());
            let self_loop = members.len() == 1 && reads_itself[members[0]];
            if members.len() > 1 || self_loop {
                cycles.push(sorted);
            }
        }
        Dependencies {
            readers,
            rank,
            component,
            order,
            cycles,
        }
    }
}

/// Tarjan's algorithm without recursion, so a chain of 20,000 conditions cannot
/// overflow the stack. Returns each node's component id and the components in
/// the order they were completed.
fn strongly_connected_components(edges: &[Vec<usize>]) -> (Vec<usize>, Vec<Vec<usize>>) {
    const UNVISITED: usize = usize::MAX;
    let count = edges.len();
    let mut index = vec![UNVISITED; count];
    let mut low_link = vec![0; count];
    let mut on_stack = vec![false; count];
    let mut stack = Vec::new();
    let mut component = vec![0; count];
    let mut components: Vec<Vec<usize>> = Vec::new();
    let mut next_index = 0;
    // Each frame is (node, how many of its edges have been followed).
    let mut frames: Vec<(usize, usize)> = Vec::new();
    for root in 0..count {
        if index[root] != UNVISITED {
            continue;
        }
        frames.push((root, 0));
        index[root] = next_index;
        low_link[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (node, ref mut edge)) = frames.last_mut() {
            if let Some(&next) = edges[node].get(*edge) {
                *edge += 1;
                if index[next] == UNVISITED {
                    index[next] = next_index;
                    low_link[next] = next_index;
                    next_index += 1;
                    stack.push(next);
                    on_stack[next] = true;
                    frames.push((next, 0));
                } else if on_stack[next] {
                    low_link[node] = low_link[node].min(index[next]);
                }
                continue;
            }
            frames.pop();
            if let Some(&(parent, _)) = frames.last() {
                low_link[parent] = low_link[parent].min(low_link[node]);
            }
            if low_link[node] == index[node] {
                let id = components.len();
                let mut members = Vec::new();
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component[member] = id;
                    members.push(member);
                    if member == node {
                        break;
                    }
                }
                components.push(members);
            }
        }
    }
    (component, components)
}

#[cfg(test)]
mod tests {
    use super::strongly_connected_components;

    #[test]
    fn components_finish_after_what_they_read() {
        // 0 reads 1, 1 reads 2 and 3, 3 reads 1 (a cycle of 1 and 3).
        let edges = vec![vec![1], vec![2, 3], vec![], vec![1]];
        let (component, components) = strongly_connected_components(&edges);
        assert_eq!(component[1], component[3]);
        assert_ne!(component[0], component[1]);
        let position = |node: usize| component[node];
        assert!(position(2) < position(1));
        assert!(position(1) < position(0));
        assert_eq!(components.len(), 3);
    }

    #[test]
    fn a_long_chain_does_not_overflow_the_stack() {
        let count = 200_000;
        let edges: Vec<Vec<usize>> = (0..count)
            .map(|node| {
                if node + 1 < count {
                    vec![node + 1]
                } else {
                    vec![]
                }
            })
            .collect();
        let (_, components) = strongly_connected_components(&edges);
        assert_eq!(components.len(), count);
        assert_eq!(components[0], vec![count - 1]);
    }
}
