//! `ChatEvent`: the canonical event, the value of `chatstream.events`.

use crate::codec::{fields::Fields, AvroRecord, DecodeError};
use crate::embedded::{EmbeddedSchema, CHAT_EVENT};
use apache_avro::types::Value;

/// What happened. Stored as its lower-case name; see `schemas/README.md` for the body each kind carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    SessionStarted,
    SessionEnded,
    SessionReopened,
    SessionStatusChanged,
    Message,
    MessageEdited,
    ParticipantJoined,
    ParticipantLeft,
    Assigned,
    Transferred,
    Seen,
    UnreadAtEnd,
    Rating,
    RatingRemoved,
    Feedback,
    SurveyAnswered,
    GoalReached,
    Tagged,
    Untagged,
    AgentStatusChanged,
    AgentRosterChanged,
    ContactUpdated,
    Other,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 23] = [
        Kind::SessionStarted,
        Kind::SessionEnded,
        Kind::SessionReopened,
        Kind::SessionStatusChanged,
        Kind::Message,
        Kind::MessageEdited,
        Kind::ParticipantJoined,
        Kind::ParticipantLeft,
        Kind::Assigned,
        Kind::Transferred,
        Kind::Seen,
        Kind::UnreadAtEnd,
        Kind::Rating,
        Kind::RatingRemoved,
        Kind::Feedback,
        Kind::SurveyAnswered,
        Kind::GoalReached,
        Kind::Tagged,
        Kind::Untagged,
        Kind::AgentStatusChanged,
        Kind::AgentRosterChanged,
        Kind::ContactUpdated,
        Kind::Other,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::SessionStarted => "session_started",
            Kind::SessionEnded => "session_ended",
            Kind::SessionReopened => "session_reopened",
            Kind::SessionStatusChanged => "session_status_changed",
            Kind::Message => "message",
            Kind::MessageEdited => "message_edited",
            Kind::ParticipantJoined => "participant_joined",
            Kind::ParticipantLeft => "participant_left",
            Kind::Assigned => "assigned",
            Kind::Transferred => "transferred",
            Kind::Seen => "seen",
            Kind::UnreadAtEnd => "unread_at_end",
            Kind::Rating => "rating",
            Kind::RatingRemoved => "rating_removed",
            Kind::Feedback => "feedback",
            Kind::SurveyAnswered => "survey_answered",
            Kind::GoalReached => "goal_reached",
            Kind::Tagged => "tagged",
            Kind::Untagged => "untagged",
            Kind::AgentStatusChanged => "agent_status_changed",
            Kind::AgentRosterChanged => "agent_roster_changed",
            Kind::ContactUpdated => "contact_updated",
            Kind::Other => "other",
        }
    }

    /// The kind with this stored name.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// The kind-specific part of an event.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    None,
    SessionChange {
        status: Option<String>,
        previous_status: Option<String>,
        reason: Option<String>,
        closed_by: Option<String>,
    },
    Message(Message),
    Participant {
        participant_id: Option<String>,
        role: String,
        reason: Option<String>,
    },
    Assignment {
        from_agent_id: Option<String>,
        to_agent_id: Option<String>,
        from_group_id: Option<String>,
        to_group_id: Option<String>,
        reason: Option<String>,
    },
    Seen {
        reader_role: String,
        reader_id: Option<String>,
        seen_up_to_micros: i64,
    },
    Unread {
        unread_count: Option<i32>,
    },
    Rating(Rating),
    Feedback {
        text_length: i32,
        text: Option<String>,
    },
    SurveyAnswer {
        form_type: String,
        question: String,
        answer: String,
    },
    Goal {
        goal: Option<String>,
    },
    Tag {
        tag: String,
    },
    AgentStatus {
        status: String,
        vendor_status: String,
    },
    AgentRoster {
        action: String,
        is_bot: bool,
    },
    ContactChange {
        changed: Vec<String>,
    },
}

/// A chat message (or internal note).
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub message_id: Option<String>,
    /// contact, agent, bot or system.
    pub author_role: String,
    pub author_id: Option<String>,
    pub internal: bool,
    pub content_type: String,
    pub text_length: i32,
    pub text: Option<String>,
}

/// A rating with its scale.
#[derive(Debug, Clone, PartialEq)]
pub struct Rating {
    pub vendor_score: f64,
    pub scale_min: f64,
    pub scale_max: f64,
    pub normalized_score: f64,
    pub comment: Option<String>,
}

/// Where the raw delivery is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lineage {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
}

/// One canonical event. See `schemas/chat_event.avsc`.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatEvent {
    pub event_id: String,
    pub tenant: String,
    pub source_id: String,
    pub platform: String,
    pub chat_id: Option<String>,
    pub session_id: Option<String>,
    pub agent_id: Option<String>,
    pub contact_id: Option<String>,
    pub occurred_at_micros: i64,
    /// `payload` or `received`.
    pub occurred_at_source: String,
    pub received_at_micros: i64,
    pub kind: Kind,
    pub vendor_event_type: Option<String>,
    pub body: Body,
    pub lineage: Lineage,
}

fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

fn opt(v: &Option<String>) -> Value {
    match v {
        Some(x) => Value::Union(1, Box::new(Value::String(x.clone()))),
        None => Value::Union(0, Box::new(Value::Null)),
    }
}

fn rec(fields: Vec<(&str, Value)>) -> Value {
    Value::Record(fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

impl Body {
    /// Position of the body's record in the schema's union (0 = null).
    fn branch(&self) -> u32 {
        match self {
            Body::None => 0,
            Body::SessionChange { .. } => 1,
            Body::Message(_) => 2,
            Body::Participant { .. } => 3,
            Body::Assignment { .. } => 4,
            Body::Seen { .. } => 5,
            Body::Unread { .. } => 6,
            Body::Rating(_) => 7,
            Body::Feedback { .. } => 8,
            Body::SurveyAnswer { .. } => 9,
            Body::Goal { .. } => 10,
            Body::Tag { .. } => 11,
            Body::AgentStatus { .. } => 12,
            Body::AgentRoster { .. } => 13,
            Body::ContactChange { .. } => 14,
        }
    }

    fn to_avro(&self) -> Value {
        let inner = match self {
            Body::None => Value::Null,
            Body::SessionChange { status, previous_status, reason, closed_by } => rec(vec![
                ("status", opt(status)),
                ("previous_status", opt(previous_status)),
                ("reason", opt(reason)),
                ("closed_by", opt(closed_by)),
            ]),
            Body::Message(m) => rec(vec![
                ("message_id", opt(&m.message_id)),
                ("author_role", s(&m.author_role)),
                ("author_id", opt(&m.author_id)),
                ("internal", Value::Boolean(m.internal)),
                ("content_type", s(&m.content_type)),
                ("text_length", Value::Int(m.text_length)),
                ("text", opt(&m.text)),
            ]),
            Body::Participant { participant_id, role, reason } => {
                rec(vec![("participant_id", opt(participant_id)), ("role", s(role)), ("reason", opt(reason))])
            }
            Body::Assignment { from_agent_id, to_agent_id, from_group_id, to_group_id, reason } => rec(vec![
                ("from_agent_id", opt(from_agent_id)),
                ("to_agent_id", opt(to_agent_id)),
                ("from_group_id", opt(from_group_id)),
                ("to_group_id", opt(to_group_id)),
                ("reason", opt(reason)),
            ]),
            Body::Seen { reader_role, reader_id, seen_up_to_micros } => rec(vec![
                ("reader_role", s(reader_role)),
                ("reader_id", opt(reader_id)),
                ("seen_up_to", Value::TimestampMicros(*seen_up_to_micros)),
            ]),
            Body::Unread { unread_count } => rec(vec![(
                "unread_count",
                match unread_count {
                    Some(n) => Value::Union(1, Box::new(Value::Int(*n))),
                    None => Value::Union(0, Box::new(Value::Null)),
                },
            )]),
            Body::Rating(r) => rec(vec![
                ("vendor_score", Value::Double(r.vendor_score)),
                ("scale_min", Value::Double(r.scale_min)),
                ("scale_max", Value::Double(r.scale_max)),
                ("normalized_score", Value::Double(r.normalized_score)),
                ("comment", opt(&r.comment)),
            ]),
            Body::Feedback { text_length, text } => {
                rec(vec![("text_length", Value::Int(*text_length)), ("text", opt(text))])
            }
            Body::SurveyAnswer { form_type, question, answer } => {
                rec(vec![("form_type", s(form_type)), ("question", s(question)), ("answer", s(answer))])
            }
            Body::Goal { goal } => rec(vec![("goal", opt(goal))]),
            Body::Tag { tag } => rec(vec![("tag", s(tag))]),
            Body::AgentStatus { status, vendor_status } => {
                rec(vec![("status", s(status)), ("vendor_status", s(vendor_status))])
            }
            Body::AgentRoster { action, is_bot } => {
                rec(vec![("action", s(action)), ("is_bot", Value::Boolean(*is_bot))])
            }
            Body::ContactChange { changed } => {
                rec(vec![("changed", Value::Array(changed.iter().map(|c| s(c)).collect()))])
            }
        };
        Value::Union(self.branch(), Box::new(inner))
    }

    /// Reads a body by the record NAME of the writer's union branch (so branches may be added anywhere).
    fn from_avro(value: Value, writer_branches: &[Option<String>]) -> Result<Self, DecodeError> {
        const R: &str = "io.chatstream.v1.ChatEvent.body";
        let (branch, inner) = match value {
            Value::Union(b, inner) => (b, *inner),
            Value::Null => return Ok(Body::None),
            other => return Err(DecodeError::Shape { record: R, detail: format!("body is not a union: {other:?}") }),
        };
        let Some(Some(name)) = writer_branches.get(branch as usize) else {
            return Ok(Body::None);
        };
        let mut f = Fields::of(R, inner)?;
        Ok(match name.as_str() {
            "SessionChange" => Body::SessionChange {
                status: f.opt_string("status")?,
                previous_status: f.opt_string("previous_status")?,
                reason: f.opt_string("reason")?,
                closed_by: f.opt_string("closed_by")?,
            },
            "Message" => Body::Message(Message {
                message_id: f.opt_string("message_id")?,
                author_role: f.string("author_role")?,
                author_id: f.opt_string("author_id")?,
                internal: f.boolean("internal")?,
                content_type: f.string("content_type")?,
                text_length: f.int("text_length")?,
                text: f.opt_string("text")?,
            }),
            "Participant" => Body::Participant {
                participant_id: f.opt_string("participant_id")?,
                role: f.string("role")?,
                reason: f.opt_string("reason")?,
            },
            "Assignment" => Body::Assignment {
                from_agent_id: f.opt_string("from_agent_id")?,
                to_agent_id: f.opt_string("to_agent_id")?,
                from_group_id: f.opt_string("from_group_id")?,
                to_group_id: f.opt_string("to_group_id")?,
                reason: f.opt_string("reason")?,
            },
            "Seen" => Body::Seen {
                reader_role: f.string("reader_role")?,
                reader_id: f.opt_string("reader_id")?,
                seen_up_to_micros: f.micros("seen_up_to")?,
            },
            "Unread" => Body::Unread { unread_count: f.opt_int("unread_count")? },
            "Rating" => Body::Rating(Rating {
                vendor_score: f.double("vendor_score")?,
                scale_min: f.double("scale_min")?,
                scale_max: f.double("scale_max")?,
                normalized_score: f.double("normalized_score")?,
                comment: f.opt_string("comment")?,
            }),
            "Feedback" => Body::Feedback { text_length: f.int("text_length")?, text: f.opt_string("text")? },
            "SurveyAnswer" => Body::SurveyAnswer {
                form_type: f.string("form_type")?,
                question: f.string("question")?,
                answer: f.string("answer")?,
            },
            "Goal" => Body::Goal { goal: f.opt_string("goal")? },
            "Tag" => Body::Tag { tag: f.string("tag")? },
            "AgentStatus" => {
                Body::AgentStatus { status: f.string("status")?, vendor_status: f.string("vendor_status")? }
            }
            "AgentRoster" => Body::AgentRoster { action: f.string("action")?, is_bot: f.boolean("is_bot")? },
            "ContactChange" => Body::ContactChange { changed: f.string_array("changed")? },
            // A body kind newer than this reader: the event is still usable without it.
            _ => Body::None,
        })
    }
}

/// The record names of the `body` union's branches in `schema` (None for `null`).
fn body_branch_names(schema: &apache_avro::Schema) -> Vec<Option<String>> {
    use apache_avro::Schema;
    let Schema::Record(record) = schema else { return Vec::new() };
    let Some(field) = record.fields.iter().find(|f| f.name == "body") else { return Vec::new() };
    let Schema::Union(union) = &field.schema else { return Vec::new() };
    union
        .variants()
        .iter()
        .map(|v| match v {
            Schema::Record(r) => Some(r.name.name().to_string()),
            _ => None,
        })
        .collect()
}

impl Body {
    fn write(&self, w: &mut crate::binary::Writer<'_>) {
        w.long(i64::from(self.branch()));
        match self {
            Body::None => {}
            Body::SessionChange { status, previous_status, reason, closed_by } => {
                for v in [status, previous_status, reason, closed_by] {
                    w.opt_string(v.as_deref());
                }
            }
            Body::Message(m) => {
                w.opt_string(m.message_id.as_deref());
                w.string(&m.author_role);
                w.opt_string(m.author_id.as_deref());
                w.boolean(m.internal);
                w.string(&m.content_type);
                w.int(m.text_length);
                w.opt_string(m.text.as_deref());
            }
            Body::Participant { participant_id, role, reason } => {
                w.opt_string(participant_id.as_deref());
                w.string(role);
                w.opt_string(reason.as_deref());
            }
            Body::Assignment { from_agent_id, to_agent_id, from_group_id, to_group_id, reason } => {
                for v in [from_agent_id, to_agent_id, from_group_id, to_group_id, reason] {
                    w.opt_string(v.as_deref());
                }
            }
            Body::Seen { reader_role, reader_id, seen_up_to_micros } => {
                w.string(reader_role);
                w.opt_string(reader_id.as_deref());
                w.long(*seen_up_to_micros);
            }
            Body::Unread { unread_count } => match unread_count {
                None => w.long(0),
                Some(n) => {
                    w.long(1);
                    w.int(*n);
                }
            },
            Body::Rating(r) => {
                w.double(r.vendor_score);
                w.double(r.scale_min);
                w.double(r.scale_max);
                w.double(r.normalized_score);
                w.opt_string(r.comment.as_deref());
            }
            Body::Feedback { text_length, text } => {
                w.int(*text_length);
                w.opt_string(text.as_deref());
            }
            Body::SurveyAnswer { form_type, question, answer } => {
                w.string(form_type);
                w.string(question);
                w.string(answer);
            }
            Body::Goal { goal } => w.opt_string(goal.as_deref()),
            Body::Tag { tag } => w.string(tag),
            Body::AgentStatus { status, vendor_status } => {
                w.string(status);
                w.string(vendor_status);
            }
            Body::AgentRoster { action, is_bot } => {
                w.string(action);
                w.boolean(*is_bot);
            }
            Body::ContactChange { changed } => {
                if !changed.is_empty() {
                    w.long(changed.len() as i64);
                    for c in changed {
                        w.string(c);
                    }
                }
                w.long(0);
            }
        }
    }
}

impl Body {
    /// Reads a body written with the current schema (branch positions of this version).
    fn read(r: &mut crate::binary::Reader<'_>) -> Result<Self, crate::binary::ReadError> {
        Ok(match r.long()? {
            0 => Body::None,
            1 => Body::SessionChange {
                status: r.opt_string()?,
                previous_status: r.opt_string()?,
                reason: r.opt_string()?,
                closed_by: r.opt_string()?,
            },
            2 => Body::Message(Message {
                message_id: r.opt_string()?,
                author_role: r.string()?,
                author_id: r.opt_string()?,
                internal: r.boolean()?,
                content_type: r.string()?,
                text_length: r.int()?,
                text: r.opt_string()?,
            }),
            3 => Body::Participant { participant_id: r.opt_string()?, role: r.string()?, reason: r.opt_string()? },
            4 => Body::Assignment {
                from_agent_id: r.opt_string()?,
                to_agent_id: r.opt_string()?,
                from_group_id: r.opt_string()?,
                to_group_id: r.opt_string()?,
                reason: r.opt_string()?,
            },
            5 => Body::Seen { reader_role: r.string()?, reader_id: r.opt_string()?, seen_up_to_micros: r.long()? },
            6 => Body::Unread { unread_count: r.opt_int()? },
            7 => Body::Rating(Rating {
                vendor_score: r.double()?,
                scale_min: r.double()?,
                scale_max: r.double()?,
                normalized_score: r.double()?,
                comment: r.opt_string()?,
            }),
            8 => Body::Feedback { text_length: r.int()?, text: r.opt_string()? },
            9 => Body::SurveyAnswer { form_type: r.string()?, question: r.string()?, answer: r.string()? },
            10 => Body::Goal { goal: r.opt_string()? },
            11 => Body::Tag { tag: r.string()? },
            12 => Body::AgentStatus { status: r.string()?, vendor_status: r.string()? },
            13 => Body::AgentRoster { action: r.string()?, is_bot: r.boolean()? },
            14 => Body::ContactChange { changed: r.string_array()? },
            _ => return Err(crate::binary::ReadError("body union branch out of range")),
        })
    }
}

impl AvroRecord for ChatEvent {
    fn schema() -> &'static EmbeddedSchema {
        &CHAT_EVENT
    }

    fn read_datum(datum: &[u8]) -> Option<Result<Self, DecodeError>> {
        let read = || -> Result<Self, crate::binary::ReadError> {
            let mut r = crate::binary::Reader::new(datum);
            let event = ChatEvent {
                event_id: r.string()?,
                tenant: r.string()?,
                source_id: r.string()?,
                platform: r.string()?,
                chat_id: r.opt_string()?,
                session_id: r.opt_string()?,
                agent_id: r.opt_string()?,
                contact_id: r.opt_string()?,
                occurred_at_micros: r.long()?,
                occurred_at_source: r.string()?,
                received_at_micros: r.long()?,
                kind: Kind::parse(&r.string()?).unwrap_or(Kind::Other),
                vendor_event_type: r.opt_string()?,
                body: Body::read(&mut r)?,
                lineage: Lineage { topic: r.string()?, partition: r.int()?, offset: r.long()? },
            };
            if r.remaining() != 0 {
                return Err(crate::binary::ReadError("trailing bytes after the datum"));
            }
            Ok(event)
        };
        Some(read().map_err(|e| DecodeError::Avro { record: CHAT_EVENT.full_name, detail: e.to_string() }))
    }

    fn write_datum(&self, out: &mut Vec<u8>) -> bool {
        let mut w = crate::binary::Writer(out);
        for v in [&self.event_id, &self.tenant, &self.source_id, &self.platform] {
            w.string(v);
        }
        for v in [&self.chat_id, &self.session_id, &self.agent_id, &self.contact_id] {
            w.opt_string(v.as_deref());
        }
        w.long(self.occurred_at_micros);
        w.string(&self.occurred_at_source);
        w.long(self.received_at_micros);
        w.string(self.kind.as_str());
        w.opt_string(self.vendor_event_type.as_deref());
        self.body.write(&mut w);
        w.string(&self.lineage.topic);
        w.int(self.lineage.partition);
        w.long(self.lineage.offset);
        true
    }

    fn to_avro(&self) -> Value {
        rec(vec![
            ("event_id", s(&self.event_id)),
            ("tenant", s(&self.tenant)),
            ("source_id", s(&self.source_id)),
            ("platform", s(&self.platform)),
            ("chat_id", opt(&self.chat_id)),
            ("session_id", opt(&self.session_id)),
            ("agent_id", opt(&self.agent_id)),
            ("contact_id", opt(&self.contact_id)),
            ("occurred_at", Value::TimestampMicros(self.occurred_at_micros)),
            ("occurred_at_source", s(&self.occurred_at_source)),
            ("received_at", Value::TimestampMicros(self.received_at_micros)),
            ("kind", s(self.kind.as_str())),
            ("vendor_event_type", opt(&self.vendor_event_type)),
            ("body", self.body.to_avro()),
            (
                "lineage",
                rec(vec![
                    ("topic", s(&self.lineage.topic)),
                    ("partition", Value::Int(self.lineage.partition)),
                    ("offset", Value::Long(self.lineage.offset)),
                ]),
            ),
        ])
    }

    fn from_avro(value: Value, writer: &apache_avro::Schema) -> Result<Self, DecodeError> {
        let branches = body_branch_names(writer);
        let mut f = Fields::of(CHAT_EVENT.full_name, value)?;
        let kind_name = f.string("kind")?;
        let kind = Kind::parse(&kind_name).unwrap_or(Kind::Other);
        let mut lineage = Fields::of("io.chatstream.v1.Lineage", f.take_value("lineage")?)?;
        Ok(Self {
            event_id: f.string("event_id")?,
            tenant: f.string("tenant")?,
            source_id: f.string("source_id")?,
            platform: f.string("platform")?,
            chat_id: f.opt_string("chat_id")?,
            session_id: f.opt_string("session_id")?,
            agent_id: f.opt_string("agent_id")?,
            contact_id: f.opt_string("contact_id")?,
            occurred_at_micros: f.micros("occurred_at")?,
            occurred_at_source: f.string("occurred_at_source")?,
            received_at_micros: f.micros("received_at")?,
            kind,
            vendor_event_type: f.opt_string("vendor_event_type")?,
            body: Body::from_avro(f.take_value("body")?, &branches)?,
            lineage: Lineage {
                topic: lineage.string("topic")?,
                partition: lineage.int("partition")?,
                offset: lineage.long("offset")?,
            },
        })
    }
}
