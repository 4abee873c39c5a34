//! Draws realistic chat sessions and agent status changes from a seeded RNG (same seed, same traffic).

use crate::plan::{Agent, AgentStatus, Contact, SessionPlan, StatusChange, Step};
use chrono::{DateTime, TimeDelta, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const FIRST_NAMES: &[&str] =
    &["Ada", "Bo", "Chen", "Dana", "Emil", "Fatima", "Goran", "Hana", "Ivo", "Jana", "Kofi", "Lena"];
const LAST_NAMES: &[&str] =
    &["Novak", "Okafor", "Berg", "Silva", "Tanaka", "Meyer", "Haddad", "Kowalski", "Rossi", "Dubois"];
const CONTACT_LINES: &[&str] = &[
    "Hi, my order hasn't arrived yet.",
    "Can I change the delivery address?",
    "The app crashes when I open settings.",
    "Do you ship to Norway?",
    "I was charged twice this month.",
    "How do I reset my password?",
    "Is the blue one back in stock?",
    "Thanks, that worked!",
    "Could you check again please?",
    "ok",
];
const AGENT_LINES: &[&str] = &[
    "Hello! Let me look into that for you.",
    "Could you share your order number?",
    "I've updated it, you should see the change now.",
    "Sorry for the wait, checking with the team.",
    "That's fixed. Anything else I can help with?",
    "I'm passing you to a colleague who handles billing.",
];
const NOTES: &[&str] = &["VIP customer", "Refund approved by finance", "Possible duplicate of #4411"];
const COMMENTS: &[&str] = &["Quick and friendly", "Solved my problem", "Took too long", "Great help, thanks!"];
const SURVEY: &[(&str, &[&str])] = &[
    ("How satisfied are you with our support?", &["Very Satisfied", "Satisfied", "Neutral", "Unsatisfied"]),
    ("Would you recommend us to a friend?", &["Yes", "Maybe", "No"]),
];

/// Generates sessions and status changes with a simulated clock.
pub struct Scripter {
    rng: StdRng,
    agents: Vec<Agent>,
    status: Vec<AgentStatus>,
    next_seq: u64,
    next_contact: u64,
    clock: DateTime<Utc>,
}

impl Scripter {
    /// A scripter with `agents` agents, starting its clock at `start`.
    pub fn new(seed: u64, agents: u32, start: DateTime<Utc>) -> Self {
        let agents = (0..agents.max(2))
            .map(|i| {
                let first = FIRST_NAMES[i as usize % FIRST_NAMES.len()];
                let last = LAST_NAMES[(i as usize / FIRST_NAMES.len() + i as usize) % LAST_NAMES.len()];
                Agent {
                    index: i,
                    name: format!("{first} {last}"),
                    email: format!("{}.{}{i}@support.example.com", first.to_lowercase(), last.to_lowercase()),
                    group: i % 3,
                }
            })
            .collect::<Vec<_>>();
        let status = vec![AgentStatus::Online; agents.len()];
        Self { rng: StdRng::seed_from_u64(seed), agents, status, next_seq: 0, next_contact: 0, clock: start }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.gen_range(0..items.len())]
    }

    fn later(&mut self, at: DateTime<Utc>, min_s: i64, max_s: i64) -> DateTime<Utc> {
        at + TimeDelta::milliseconds(self.rng.gen_range(min_s * 1000..=max_s * 1000))
    }

    /// The next whole chat session: messages both ways, notes, transfers, read watermarks, end, rating, survey.
    pub fn session(&mut self) -> SessionPlan {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.next_contact += 1;
        let contact_idx = self.next_contact;
        let first = *self.pick(FIRST_NAMES);
        let last = *self.pick(LAST_NAMES);
        let contact = Contact {
            index: contact_idx,
            name: format!("{first} {last}"),
            email: format!("{}.{}{contact_idx}@mail.example.org", first.to_lowercase(), last.to_lowercase()),
        };
        let started_at = self.later(self.clock, 0, 3);
        self.clock = started_at;
        let first_agent = self.agents[self.rng.gen_range(0..self.agents.len())].clone();
        let mut agent = first_agent.clone();
        let mut at = started_at;
        let mut steps = Vec::new();
        let mut msg = 0u32;
        let turns = self.rng.gen_range(1..=6);
        for turn in 0..turns {
            for _ in 0..self.rng.gen_range(1..=2) {
                msg += 1;
                let text = self.pick(CONTACT_LINES).to_string();
                steps.push(Step::ContactMessage { seq: msg, at, text });
                at = self.later(at, 2, 40);
            }
            if self.rng.gen_bool(0.7) {
                let up_to = at - TimeDelta::milliseconds(500);
                at = self.later(at, 1, 20);
                steps.push(Step::Seen { at, agent: agent.clone(), up_to });
            }
            if self.rng.gen_bool(0.15) {
                msg += 1;
                let text = self.pick(NOTES).to_string();
                steps.push(Step::InternalNote { seq: msg, at, agent: agent.clone(), text });
                at = self.later(at, 1, 10);
            }
            msg += 1;
            let text = self.pick(AGENT_LINES).to_string();
            steps.push(Step::AgentMessage { seq: msg, at, agent: agent.clone(), text });
            at = self.later(at, 5, 90);
            if turn + 1 < turns && self.rng.gen_bool(0.2) {
                let to = loop {
                    let candidate = self.agents[self.rng.gen_range(0..self.agents.len())].clone();
                    if candidate.index != agent.index {
                        break candidate;
                    }
                };
                steps.push(Step::Transfer { at, from: agent.clone(), to: to.clone() });
                agent = to;
                at = self.later(at, 2, 30);
            }
        }
        let closer = self.rng.gen_bool(0.8).then(|| agent.clone());
        steps.push(Step::End { at, agent: closer });
        if self.rng.gen_bool(0.5) {
            at = self.later(at, 5, 120);
            let good = self.rng.gen_bool(0.8);
            let stars = if good { self.rng.gen_range(4..=5) } else { self.rng.gen_range(1..=3) };
            let comment = self.rng.gen_bool(0.5).then(|| self.pick(COMMENTS).to_string());
            steps.push(Step::Rating { at, good, stars, comment });
        }
        if self.rng.gen_bool(0.3) {
            at = self.later(at, 5, 60);
            let (question, answers) = *self.pick(SURVEY);
            let answer = self.pick(answers).to_string();
            steps.push(Step::Survey { at, question: question.to_string(), answer });
        }
        SessionPlan { seq, contact, agent: first_agent, started_at, steps }
    }

    /// The next agent status change (online ⇄ away, now and then offline).
    pub fn status_change(&mut self) -> StatusChange {
        let i = self.rng.gen_range(0..self.agents.len());
        let from = self.status[i];
        let to = match from {
            AgentStatus::Online => {
                if self.rng.gen_bool(0.7) {
                    AgentStatus::Away
                } else {
                    AgentStatus::Offline
                }
            }
            AgentStatus::Away | AgentStatus::Offline => AgentStatus::Online,
        };
        self.status[i] = to;
        self.clock = self.later(self.clock, 0, 2);
        StatusChange { at: self.clock, agent: self.agents[i].clone(), from, to }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_script() {
        let t0 = DateTime::from_timestamp(1_763_700_000, 0).unwrap();
        let mut a = Scripter::new(7, 8, t0);
        let mut b = Scripter::new(7, 8, t0);
        for _ in 0..50 {
            assert_eq!(a.session(), b.session());
            assert_eq!(a.status_change(), b.status_change());
        }
    }

    #[test]
    fn sessions_are_whole_and_ordered_in_time() {
        let t0 = DateTime::from_timestamp(1_763_700_000, 0).unwrap();
        let mut s = Scripter::new(1, 8, t0);
        let (mut ratings, mut transfers, mut seen) = (0, 0, 0);
        for _ in 0..200 {
            let plan = s.session();
            assert!(matches!(plan.steps.first(), Some(Step::ContactMessage { .. })));
            assert!(plan.steps.iter().any(|st| matches!(st, Step::End { .. })));
            assert!(plan.steps.windows(2).all(|w| w[0].at() <= w[1].at()), "steps out of order");
            ratings += plan.steps.iter().filter(|st| matches!(st, Step::Rating { .. })).count();
            transfers += plan.steps.iter().filter(|st| matches!(st, Step::Transfer { .. })).count();
            seen += plan.steps.iter().filter(|st| matches!(st, Step::Seen { .. })).count();
        }
        assert!(ratings > 50 && transfers > 10 && seen > 100, "{ratings} {transfers} {seen}");
    }
}
