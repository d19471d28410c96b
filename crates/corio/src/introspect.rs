//! Looking at the live tasks: asyncio's `current_task`, `all_tasks`, and a
//! task dump.
//!
//! | asyncio | corio | difference |
//! | --- | --- | --- |
//! | `asyncio.current_task()` | [`current_task()`](crate::current_task) → `Option<TaskInfo>` | a snapshot (id, name, parent, state, age, polls), not the task object; `None` in `block_on`/`run`'s main future, which is not a task |
//! | `asyncio.all_tasks()` | [`all_tasks()`](crate::all_tasks) → `Vec<TaskInfo>` | snapshots sorted by id; blocking-pool closures are not listed |
//! | `asyncio.print_call_graph()` (3.14, awaits) | [`debug::dump()`](crate::debug::dump) | a tree of *spawn* parentage (who spawned whom), not of awaits |
//!
//! Every task records its parent (the task that was running on the
//! spawning thread), spawn time and poll count; the runtime's registry
//! lists the live tasks. Taking a snapshot locks each registry shard once,
//! so it is meant for debugging and monitoring, not for a hot path.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use corio_executor::{TaskId, TaskInfo, TaskState};

/// The task running this code, as a [`TaskInfo`] snapshot: asyncio's
/// `current_task()`. `None` outside a task, including in the main future of
/// [`run`](crate::run) / `block_on` (it runs on the calling thread, not as a task).
///
/// It looks the task up among all live tasks, so it costs O(number of tasks);
/// for just the id, [`task::current_id`](crate::task::current_id) is O(1).
///
/// ```
/// corio::run(async {
///     assert!(corio::current_task().is_none()); // the main future is not a task
///     let task = corio::task::Builder::new().name("worker").spawn(async {
///         corio::current_task().unwrap()
///     });
///     let info = task.await.unwrap();
///     assert_eq!(info.name.as_deref(), Some("worker"));
/// });
/// ```
pub fn current_task() -> Option<TaskInfo> {
    let id = corio_executor::task::current_id()?;
    corio_executor::Handle::try_current()
        .ok()?
        .tasks()
        .into_iter()
        .find(|info| info.id == id)
}

/// Every live (not finished) task of the current runtime, sorted by id:
/// asyncio's `all_tasks()`. Empty outside a runtime.
///
/// ```
/// corio::run(async {
///     let sleeper = corio::task::Builder::new()
///         .name("sleeper")
///         .spawn(std::future::pending::<()>());
///     let tasks = corio::all_tasks();
///     assert!(tasks.iter().any(|t| t.name.as_deref() == Some("sleeper")));
///     sleeper.cancel();
/// });
/// ```
pub fn all_tasks() -> Vec<TaskInfo> {
    match corio_executor::Handle::try_current() {
        Ok(handle) => {
            let mut tasks = handle.tasks();
            tasks.retain(|t| t.state != TaskState::Complete);
            tasks
        }
        Err(_) => Vec::new(),
    }
}

/// The live tasks of the current runtime as a tree (see [`render`]); the
/// task calling it, if any, is marked `<- current`.
///
/// ```
/// corio::run(async {
///     let parent = corio::task::Builder::new().name("parent").spawn(async {
///         let child = corio::task::Builder::new().name("child").spawn(std::future::pending::<()>());
///         let dump = corio::debug::dump();
///         child.cancel();
///         dump
///     });
///     let dump = parent.await.unwrap();
///     println!("{dump}");
///     assert!(dump.contains("'parent'"));
///     assert!(dump.contains("└─ task"));
/// });
/// ```
pub fn dump() -> String {
    if corio_executor::Handle::try_current().is_err() {
        return "no corio runtime on this thread: nothing to dump\n".to_string();
    }
    render(&all_tasks())
}

/// Renders task snapshots as a tree, parent above children (a task whose
/// parent is not among them is a root), children by id, one line each with
/// the id, name, state, age and poll count:
///
/// ```text
/// 3 live tasks
/// task 1 'server' Idle, age 12.0s, 40 polls
/// ├─ task 2 'conn-1' Running, age 3.1s, 7 polls
/// └─ task 3 Scheduled, age 0.0s, 0 polls
/// ```
///
/// ```
/// corio::run(async {
///     let t = corio::task::Builder::new().name("idle").spawn(std::future::pending::<()>());
///     let text = corio::debug::render(&corio::all_tasks());
///     assert!(text.starts_with("1 live task\n"));
///     assert!(text.contains("'idle'"));
///     t.cancel();
/// });
/// ```
pub fn render(tasks: &[TaskInfo]) -> String {
    let ids: BTreeSet<TaskId> = tasks.iter().map(|t| t.id).collect();
    let mut children: BTreeMap<TaskId, Vec<&TaskInfo>> = BTreeMap::new();
    let mut roots: Vec<&TaskInfo> = Vec::new();
    for task in tasks {
        match task.parent {
            Some(parent) if parent != task.id && ids.contains(&parent) => {
                children.entry(parent).or_default().push(task)
            }
            _ => roots.push(task),
        }
    }
    for list in children.values_mut() {
        list.sort_by_key(|t| t.id);
    }
    roots.sort_by_key(|t| t.id);
    let current = corio_executor::task::current_id();

    let n = tasks.len();
    let mut out = format!("{n} live task{}\n", if n == 1 { "" } else { "s" });
    // Depth-first, iteratively: (task, prefix of its line, prefix for its children).
    let mut stack: Vec<(&TaskInfo, String, String)> = roots
        .iter()
        .rev()
        .map(|t| (*t, String::new(), String::new()))
        .collect();
    while let Some((task, line_prefix, child_prefix)) = stack.pop() {
        out.push_str(&line_prefix);
        describe(&mut out, task, current);
        if let Some(kids) = children.get(&task.id) {
            let last = kids.len() - 1;
            for (i, kid) in kids.iter().enumerate().rev() {
                let (branch, next) = if i == last {
                    ("└─ ", "   ")
                } else {
                    ("├─ ", "│  ")
                };
                stack.push((
                    kid,
                    format!("{child_prefix}{branch}"),
                    format!("{child_prefix}{next}"),
                ));
            }
        }
    }
    out
}

fn describe(out: &mut String, task: &TaskInfo, current: Option<TaskId>) {
    let _ = write!(out, "task {}", task.id);
    if let Some(name) = &task.name {
        let _ = write!(out, " '{name}'");
    }
    let _ = write!(
        out,
        " {:?}, age {:.1}s, {} poll{}",
        task.state,
        task.age.as_secs_f64(),
        task.polls,
        if task.polls == 1 { "" } else { "s" }
    );
    if Some(task.id) == current {
        out.push_str(" <- current");
    }
    out.push('\n');
}
