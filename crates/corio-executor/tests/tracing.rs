//! The `tracing` feature: a span per task with its id, name and parent, and
//! the task events, seen by a small recording subscriber.
//!
//! Built only with the feature:
//! `cargo test -p corio-executor --features tracing --test tracing`.
//!
//! Each test installs its recorder as the thread-local default on the test
//! thread and on every runtime thread (`on_thread_start`), so the tests of
//! this binary do not see each other's tasks.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use corio_executor::Runtime;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Dispatch, Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// One recorded event: its message, level, fields, and the `task.id` of the
/// span it belongs to (explicit parent, or the span entered on its thread).
#[derive(Debug, Clone)]
struct Recorded {
    message: String,
    level: Level,
    fields: HashMap<String, String>,
    task: Option<u64>,
}

#[derive(Default)]
struct Log {
    /// Fields of every task span, by the span's `task.id`.
    spans: HashMap<u64, HashMap<String, String>>,
    events: Vec<Recorded>,
}

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Log>>);

#[derive(Default)]
struct Fields(HashMap<String, String>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

/// The `task.id` a span was created with (kept in the span's extensions).
struct TaskIdOf(u64);

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Recorder {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let Some(task_id) = fields.0.get("task.id").and_then(|v| v.parse().ok()) {
            ctx.span(id)
                .unwrap()
                .extensions_mut()
                .insert(TaskIdOf(task_id));
            self.0.lock().unwrap().spans.insert(task_id, fields.0);
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let task = ctx
            .event_span(event)
            .and_then(|span| span.extensions().get::<TaskIdOf>().map(|t| t.0));
        let message = fields.0.remove("message").unwrap_or_default();
        self.0.lock().unwrap().events.push(Recorded {
            message,
            level: *event.metadata().level(),
            fields: fields.0,
            task,
        });
    }
}

impl Recorder {
    /// The recorder and its subscriber. One `Dispatch` (one registry of spans)
    /// serves every thread: a span made on one thread is entered on another.
    fn new() -> (Recorder, Dispatch) {
        let recorder = Recorder::default();
        let dispatch = Dispatch::new(tracing_subscriber::registry().with(recorder.clone()));
        (recorder, dispatch)
    }

    /// A runtime whose threads all report to `dispatch`.
    fn runtime(dispatch: &Dispatch, workers: usize) -> corio_executor::Builder {
        let dispatch = dispatch.clone();
        Runtime::builder()
            .worker_threads(workers)
            .on_thread_start(move || {
                // For the thread's whole life.
                std::mem::forget(tracing::dispatcher::set_default(&dispatch));
            })
    }

    fn events_of(&self, task: u64) -> Vec<Recorded> {
        let log = self.0.lock().unwrap();
        log.events
            .iter()
            .filter(|e| e.task == Some(task))
            .cloned()
            .collect()
    }

    fn messages_of(&self, task: u64) -> Vec<String> {
        self.events_of(task)
            .into_iter()
            .map(|e| e.message)
            .collect()
    }

    fn span_fields(&self, task: u64) -> HashMap<String, String> {
        self.0
            .lock()
            .unwrap()
            .spans
            .get(&task)
            .cloned()
            .unwrap_or_default()
    }
}

#[test]
fn a_task_has_a_span_with_id_name_and_parent_and_reports_its_life() {
    let (recorder, dispatch) = Recorder::new();
    let _guard = tracing::dispatcher::set_default(&dispatch);
    let rt = Recorder::runtime(&dispatch, 2).build().unwrap();
    let (parent_id, child_id) = rt.block_on(async {
        let parent = corio_executor::task::Builder::new()
            .name("parent")
            .spawn(async {
                let child = corio_executor::task::Builder::new()
                    .name("child")
                    .spawn(async {
                        corio_executor::yield_now().await;
                        7
                    });
                let child_id = child.id();
                assert_eq!(child.await.unwrap(), 7);
                child_id
            });
        let parent_id = parent.id();
        (parent_id, parent.await.unwrap())
    });
    drop(rt);

    let child = recorder.span_fields(child_id.as_u64());
    assert_eq!(child.get("task.name").map(String::as_str), Some("child"));
    assert_eq!(
        child.get("task.parent"),
        Some(&parent_id.as_u64().to_string()),
        "{child:?}"
    );
    assert_eq!(child.get("task.kind").map(String::as_str), Some("task"));
    let parent = recorder.span_fields(parent_id.as_u64());
    assert_eq!(parent.get("task.name").map(String::as_str), Some("parent"));
    assert_eq!(
        parent.get("task.parent"),
        None,
        "spawned from block_on: no parent task"
    );

    // The child: spawned, polled (pending at the yield), woken by its yield,
    // polled to the end, complete.
    let messages = recorder.messages_of(child_id.as_u64());
    assert_eq!(
        messages,
        ["spawn", "wake", "poll", "poll", "complete"],
        "{:#?}",
        recorder.events_of(child_id.as_u64())
    );
    let events = recorder.events_of(child_id.as_u64());
    let polls: Vec<_> = events
        .iter()
        .filter(|e| e.message == "poll")
        .map(|e| e.fields["outcome"].as_str())
        .collect();
    assert_eq!(polls, ["pending", "ready"]);
    let complete = events.iter().find(|e| e.message == "complete").unwrap();
    assert_eq!(complete.fields["outcome"], "ok");
    assert_eq!(complete.level, Level::DEBUG);
}

#[test]
fn cancel_and_its_outcome_are_reported() {
    let (recorder, dispatch) = Recorder::new();
    let _guard = tracing::dispatcher::set_default(&dispatch);
    let rt = Recorder::runtime(&dispatch, 1).build().unwrap();
    let task = rt.spawn(std::future::pending::<()>());
    let id = task.id().as_u64();
    assert!(task.cancel());
    assert!(rt.block_on(task).unwrap_err().is_cancelled());
    drop(rt);
    let events = recorder.events_of(id);
    let cancel = events.iter().position(|e| e.message == "cancel");
    let complete = events.iter().position(|e| e.message == "complete");
    assert!(cancel.is_some() && cancel < complete, "{events:#?}");
    assert_eq!(events[complete.unwrap()].fields["outcome"], "cancelled");
}

#[test]
fn an_unhandled_panic_goes_through_tracing() {
    let (recorder, dispatch) = Recorder::new();
    let _guard = tracing::dispatcher::set_default(&dispatch);
    let rt = Recorder::runtime(&dispatch, 1).build().unwrap();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let task = corio_executor::task::Builder::new()
        .name("doomed")
        .spawn_on(rt.handle(), async move {
            let _unwinding_drops_this = done_tx;
            panic!("boom");
        });
    let id = task.id().as_u64();
    drop(task); // detached: nobody will await the panic
    // The sender goes as the panic unwinds, before the worker reports it...
    assert_eq!(
        done_rx.recv_timeout(Duration::from_secs(10)),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected)
    );
    // ...and shutting down joins the worker, which finishes that run first.
    drop(rt);
    let log = recorder.0.lock().unwrap();
    let report = log
        .events
        .iter()
        .find(|e| e.level == Level::ERROR && e.fields.get("task.id") == Some(&id.to_string()))
        .unwrap_or_else(|| panic!("no ERROR event for task {id}: {:#?}", log.events));
    assert!(report.message.contains("unhandled panic"), "{report:?}");
    assert_eq!(report.fields["task.name"], "doomed");
    assert!(report.fields["error"].contains("boom"), "{report:?}");
}

#[test]
fn slow_polls_are_reported_in_debug_mode() {
    let (recorder, dispatch) = Recorder::new();
    let _guard = tracing::dispatcher::set_default(&dispatch);
    let rt = Recorder::runtime(&dispatch, 1)
        .debug(true)
        .slow_poll_threshold(Duration::from_millis(5))
        .build()
        .unwrap();
    let task = rt.spawn(async { std::thread::sleep(Duration::from_millis(20)) });
    let id = task.id().as_u64();
    rt.block_on(task).unwrap();
    drop(rt);
    let events = recorder.events_of(id);
    let slow = events
        .iter()
        .find(|e| e.message.starts_with("slow poll"))
        .unwrap_or_else(|| panic!("no slow-poll event: {events:#?}"));
    assert_eq!(slow.level, Level::WARN);
    assert!(slow.fields.contains_key("duration") && slow.fields.contains_key("threshold"));
}

#[test]
fn blocking_closures_get_a_span_too() {
    let (recorder, dispatch) = Recorder::new();
    let _guard = tracing::dispatcher::set_default(&dispatch);
    let rt = Recorder::runtime(&dispatch, 1).build().unwrap();
    let task = rt.spawn_blocking(|| tracing::info!("inside the closure"));
    let id = task.id().as_u64();
    rt.block_on(task).unwrap();
    drop(rt);
    assert_eq!(
        recorder
            .span_fields(id)
            .get("task.kind")
            .map(String::as_str),
        Some("blocking")
    );
    // The closure runs inside its task's span.
    assert!(
        recorder
            .messages_of(id)
            .iter()
            .any(|m| m == "inside the closure")
    );
}
