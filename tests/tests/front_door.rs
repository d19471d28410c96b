//! The asyncio front door: gather, wait, as_completed, TaskGroup, shield and
//! task introspection.
//!
//! Every semantic test runs twice, on a two-worker runtime and on the
//! deterministic one (one worker), both with the clock paused, so timings
//! are exact virtual seconds and nothing sleeps for real.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use corio::{
    ChildError, Event, GroupClosed, GroupError, ReturnWhen, Runtime, TaskGroup, WaitError,
};
use corio_tests::within;

/// Runs `body(workers)` on a paused two-worker runtime, then on the paused
/// one-worker (deterministic) runtime; a hang fails the test.
fn both<F, Fut>(body: F)
where
    F: Fn(usize) -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    within(Duration::from_secs(10), move || {
        for workers in [2, 1] {
            let rt = Runtime::builder()
                .worker_threads(workers)
                .start_paused(true)
                .build()
                .unwrap();
            rt.block_on(body(workers));
        }
    });
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// Virtual time since `start`.
fn since(start: std::time::Instant) -> Duration {
    corio::time::now() - start
}

/// Counts drops of its tokens and sets an event when `target` is reached.
#[derive(Clone)]
struct Drops(Arc<DropsInner>);

struct DropsInner {
    count: AtomicUsize,
    target: usize,
    reached: Event,
}

struct Token(Drops);

impl Drop for Token {
    fn drop(&mut self) {
        let inner = &(self.0).0;
        if inner.count.fetch_add(1, SeqCst) + 1 == inner.target {
            inner.reached.set();
        }
    }
}

impl Drops {
    fn new(target: usize) -> Drops {
        Drops(Arc::new(DropsInner {
            count: AtomicUsize::new(0),
            target,
            reached: Event::new(),
        }))
    }
    fn token(&self) -> Token {
        Token(self.clone())
    }
    fn count(&self) -> usize {
        self.0.count.load(SeqCst)
    }
    /// Waits until `target` tokens were dropped (the watchdog of `both`
    /// turns a hang into a failure; no timer, so the clock stays put).
    async fn all_dropped(&self) {
        self.0.reached.wait().await;
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// A future that catches a panic of the future inside.
struct CatchUnwind<F>(F);

impl<F: Future + Unpin> Future for CatchUnwind<F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match catch_unwind(AssertUnwindSafe(|| Pin::new(&mut self.0).poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Err(payload) => Poll::Ready(Err(payload)),
        }
    }
}

fn message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("?")
}

/// A sleeping job that records when it finishes.
async fn job(log: Arc<Mutex<Vec<u64>>>, s: u64) -> u64 {
    corio::sleep(secs(s)).await;
    log.lock().unwrap().push(s);
    s
}

// ----- gather ------------------------------------------------------------------

#[test]
fn gather_gives_results_in_input_order_though_they_complete_in_another() {
    both(|w| async move {
        let log = Arc::new(Mutex::new(Vec::new()));
        let start = corio::time::now();
        let jobs = [3, 1, 2].map(|s| job(log.clone(), s));
        assert_eq!(corio::gather(jobs).await, [3, 1, 2], "workers={w}");
        assert_eq!(*log.lock().unwrap(), [1, 2, 3], "completion order");
        assert_eq!(
            since(start),
            secs(3),
            "in parallel: the longest, not the sum"
        );
    });
}

#[test]
fn gather_of_nothing_is_an_empty_vec_at_once() {
    both(|_| async {
        let mut g = corio::gather(Vec::<std::future::Ready<u8>>::new());
        let poll = Pin::new(&mut g).poll(&mut Context::from_waker(Waker::noop()));
        assert!(matches!(poll, Poll::Ready(ref v) if v.is_empty()));
        let settled = corio::gather_settled(Vec::<std::future::Ready<u8>>::new()).await;
        assert!(settled.is_empty());
        assert_eq!(
            corio::try_gather(Vec::<std::future::Ready<Result<u8, ()>>>::new()).await,
            Ok(vec![])
        );
    });
}

#[test]
fn gather_settled_keeps_failures_in_place_and_cancels_nobody() {
    both(|_| async {
        let start = corio::time::now();
        let outcomes = corio::gather_settled((0..4u64).map(|i| async move {
            corio::sleep(secs(i)).await;
            if i == 1 {
                panic!("job 1 broke");
            }
            i
        }))
        .await;
        assert_eq!(outcomes.len(), 4);
        assert_eq!(*outcomes[0].as_ref().unwrap(), 0);
        let err = outcomes[1].as_ref().unwrap_err();
        assert!(
            err.is_panic() && err.to_string().contains("job 1 broke"),
            "{err}"
        );
        assert_eq!(*outcomes[2].as_ref().unwrap(), 2, "a later sibling ran on");
        assert_eq!(*outcomes[3].as_ref().unwrap(), 3);
        assert_eq!(since(start), secs(3));
    });
}

#[test]
fn a_panicking_child_cancels_the_running_siblings_before_the_panic_reaches_the_caller() {
    both(|w| async move {
        let drops = Drops::new(3);
        let finished = Arc::new(AtomicUsize::new(0));
        let futures: Vec<BoxFuture<u32>> = vec![
            {
                let token = drops.token();
                let finished = finished.clone();
                Box::pin(async move {
                    corio::sleep(secs(60)).await;
                    finished.fetch_add(1, SeqCst);
                    drop(token);
                    0
                })
            },
            {
                let token = drops.token();
                Box::pin(async move {
                    corio::sleep(secs(1)).await;
                    drop(token);
                    panic!("boom in child 1");
                })
            },
            {
                let token = drops.token();
                let finished = finished.clone();
                Box::pin(async move {
                    corio::sleep(secs(90)).await;
                    finished.fetch_add(1, SeqCst);
                    drop(token);
                    2
                })
            },
        ];
        let start = corio::time::now();
        let payload = CatchUnwind(corio::gather(futures)).await.unwrap_err();
        assert_eq!(message(&*payload), "boom in child 1", "workers={w}");
        assert_eq!(since(start), secs(1), "the siblings were not waited out");
        assert_eq!(
            drops.count(),
            3,
            "every sibling was dropped before the panic resumed"
        );
        assert_eq!(finished.load(SeqCst), 0, "no sibling finished its work");
    });
}

#[test]
fn try_gather_returns_the_first_err_after_cancelling_the_rest() {
    both(|_| async {
        let drops = Drops::new(4);
        let finished = Arc::new(AtomicUsize::new(0));
        let jobs = [5u64, 2, 3, 100].map(|s| {
            let token = drops.token();
            let finished = finished.clone();
            async move {
                corio::sleep(secs(s)).await;
                let _token = token;
                if s == 2 || s == 3 {
                    return Err(format!("job {s} failed"));
                }
                finished.fetch_add(1, SeqCst);
                Ok(s)
            }
        });
        let start = corio::time::now();
        let result = corio::try_gather(jobs).await;
        assert_eq!(
            result,
            Err("job 2 failed".to_string()),
            "the first in completion order"
        );
        assert_eq!(since(start), secs(2));
        assert_eq!(
            drops.count(),
            4,
            "all children dropped when try_gather returns"
        );
        assert_eq!(
            finished.load(SeqCst),
            0,
            "the cancelled siblings did not finish"
        );

        let all_ok = corio::try_gather((1..=3u64).map(|i| async move { Ok::<_, String>(i) })).await;
        assert_eq!(all_ok, Ok(vec![1, 2, 3]));
    });
}

#[test]
fn a_panic_in_try_gather_is_resumed_in_the_caller() {
    both(|_| async {
        let futures: Vec<BoxFuture<Result<u8, String>>> = vec![
            Box::pin(async { Ok(1) }),
            Box::pin(async {
                corio::yield_now().await;
                panic!("try_gather child panicked")
            }),
            Box::pin(std::future::pending()),
        ];
        let payload = CatchUnwind(corio::try_gather(futures)).await.unwrap_err();
        assert_eq!(message(&*payload), "try_gather child panicked");
    });
}

#[test]
fn dropping_a_gather_cancels_its_children() {
    both(|w| async move {
        let drops = Drops::new(3);
        let finished = Arc::new(AtomicUsize::new(0));
        let gather = corio::gather((0..3).map(|_| {
            let token = drops.token();
            let finished = finished.clone();
            async move {
                corio::sleep(secs(60)).await;
                finished.fetch_add(1, SeqCst);
                drop(token);
            }
        }));
        drop(gather);
        let start = corio::time::now();
        drops.all_dropped().await;
        assert!(
            since(start) < secs(60),
            "dropped at cancellation, not at the end: {:?} workers={w}",
            since(start)
        );
        assert_eq!(finished.load(SeqCst), 0);
    });
}

#[test]
fn gather_and_join_macros_give_tuples() {
    both(|_| async {
        let start = corio::time::now();
        let (a, b, c) = corio::gather!(
            async {
                corio::sleep(secs(2)).await;
                "toast"
            },
            async {
                corio::sleep(secs(3)).await;
                7u8
            },
            async {
                corio::sleep(secs(1)).await;
                vec![1.5f64]
            },
        )
        .await;
        assert_eq!((a, b, c), ("toast", 7, vec![1.5]));
        assert_eq!(since(start), secs(3));

        // join! and join_all poll in place: non-Send futures borrowing locals.
        let local = std::rc::Rc::new(std::cell::Cell::new(0));
        let (x, y) = corio::join!(
            async {
                corio::sleep(secs(1)).await;
                local.set(local.get() + 1);
                'x'
            },
            async {
                local.set(local.get() + 10);
                1u32
            }
        )
        .await;
        assert_eq!((x, y, local.get()), ('x', 1, 11));
        let outs = corio::join_all((0..5u64).rev().map(|i| {
            let local = &local;
            async move {
                corio::sleep(secs(i)).await;
                local.set(local.get() + 1);
                i
            }
        }))
        .await;
        assert_eq!(outs, [4, 3, 2, 1, 0]);
        assert_eq!(local.get(), 16);
    });
}

#[test]
fn gather_of_20_000_children_returns_every_output_in_order() {
    both(|_| async {
        let out = corio::gather((0..20_000u64).map(|i| async move {
            if i % 3 == 0 {
                corio::yield_now().await;
            }
            i
        }))
        .await;
        assert_eq!(out.len(), 20_000);
        assert!(out.iter().enumerate().all(|(i, &v)| v == i as u64));
    });
}

// ----- wait --------------------------------------------------------------------

fn sleeper(s: u64) -> corio::Task<u64> {
    corio::spawn(async move {
        corio::sleep(secs(s)).await;
        s
    })
}

#[test]
fn wait_first_completed_returns_after_the_first_and_leaves_the_rest_running() {
    both(|_| async {
        let start = corio::time::now();
        let (done, pending) = corio::wait(
            [sleeper(3), sleeper(1), sleeper(2)],
            ReturnWhen::FirstCompleted,
            None,
        )
        .await
        .unwrap();
        assert_eq!(since(start), secs(1));
        assert_eq!(done.len(), 1);
        assert_eq!(pending.len(), 2);
        assert!(done[0].is_finished());
        assert!(pending.iter().all(|t| !t.is_finished()));
        for task in done {
            assert_eq!(task.await.unwrap(), 1);
        }
        let mut rest = Vec::new();
        for task in pending {
            rest.push(task.await.unwrap()); // not cancelled
        }
        assert_eq!(rest, [3, 2], "input order");
        assert_eq!(since(start), secs(3));
    });
}

#[test]
fn wait_all_completed_gives_every_task_done() {
    both(|_| async {
        let start = corio::time::now();
        let (done, pending) = corio::wait([sleeper(2), sleeper(1)], ReturnWhen::AllCompleted, None)
            .await
            .unwrap();
        assert_eq!((done.len(), pending.len()), (2, 0));
        assert_eq!(since(start), secs(2));
        assert!(done[0].id() < done[1].id(), "input order");
    });
}

#[test]
fn wait_first_exception_ignores_cancelled_tasks_and_degrades_to_all_completed() {
    both(|_| async {
        let cancelled = corio::spawn(std::future::pending::<u64>());
        cancelled.cancel();
        let start = corio::time::now();
        let (done, pending) = corio::wait(
            [cancelled, sleeper(1), sleeper(2)],
            ReturnWhen::FirstException,
            None,
        )
        .await
        .unwrap();
        assert_eq!(since(start), secs(2), "nothing failed: waited for all");
        assert_eq!((done.len(), pending.len()), (3, 0));
        let mut done = done.into_iter();
        assert!(done.next().unwrap().await.unwrap_err().is_cancelled());

        // A panic counts, and returns at once.
        let start = corio::time::now();
        let boom = corio::spawn(async {
            corio::sleep(secs(1)).await;
            panic!("wait saw this");
        });
        let (done, pending) = corio::wait([sleeper(5), boom], ReturnWhen::FirstException, None)
            .await
            .unwrap();
        assert_eq!(since(start), secs(1));
        assert_eq!((done.len(), pending.len()), (1, 1));
        let err = done.into_iter().next().unwrap().await.unwrap_err();
        assert!(err.is_panic());
        assert_eq!(pending.into_iter().next().unwrap().await.unwrap(), 5);

        // try_wait: an Err output counts too; plain wait does not count it.
        let failing = || {
            corio::spawn(async {
                corio::sleep(secs(1)).await;
                Err::<u64, &str>("bad")
            })
        };
        let fine = || {
            corio::spawn(async {
                corio::sleep(secs(4)).await;
                Ok::<u64, &str>(4)
            })
        };
        let start = corio::time::now();
        let (done, pending) =
            corio::try_wait([fine(), failing()], ReturnWhen::FirstException, None)
                .await
                .unwrap();
        assert_eq!((done.len(), pending.len(), since(start)), (1, 1, secs(1)));
        let start = corio::time::now();
        let (done, pending) = corio::wait([fine(), failing()], ReturnWhen::FirstException, None)
            .await
            .unwrap();
        assert_eq!((done.len(), pending.len(), since(start)), (2, 0, secs(4)));
    });
}

#[test]
fn wait_with_a_timeout_returns_done_and_pending_without_cancelling() {
    both(|_| async {
        let start = corio::time::now();
        let (done, pending) = corio::wait(
            [sleeper(1), sleeper(10)],
            ReturnWhen::AllCompleted,
            Some(secs(5)),
        )
        .await
        .unwrap();
        assert_eq!(since(start), secs(5));
        assert_eq!((done.len(), pending.len()), (1, 1));
        let slow = pending.into_iter().next().unwrap();
        assert!(!slow.is_finished());
        assert_eq!(slow.await.unwrap(), 10, "it kept running");
        assert_eq!(since(start), secs(10));
    });
}

#[test]
fn wait_on_nothing_is_an_error() {
    both(|_| async {
        let err = corio::wait(
            Vec::<corio::Task<()>>::new(),
            ReturnWhen::FirstCompleted,
            None,
        )
        .await
        .unwrap_err();
        assert_eq!(err, WaitError::Empty);
        assert!(err.to_string().contains("no tasks"), "{err}");
    });
}

// ----- as_completed ------------------------------------------------------------

#[test]
fn as_completed_yields_in_completion_order() {
    both(|_| async {
        let start = corio::time::now();
        let mut stream = corio::as_completed([sleeper(3), sleeper(1), sleeper(2)]);
        let mut seen = Vec::new();
        while let Some(outcome) = stream.next().await {
            seen.push((outcome.unwrap(), since(start)));
        }
        assert_eq!(seen, [(1, secs(1)), (2, secs(2)), (3, secs(3))]);

        let named = |name: &'static str, s: u64| {
            corio::task::Builder::new()
                .name(name)
                .spawn(async move { corio::sleep(secs(s)).await })
        };
        let mut tasks = corio::as_completed_tasks([named("c", 3), named("a", 1), named("b", 2)]);
        let mut names = Vec::new();
        while let Some(task) = tasks.next().await {
            assert!(task.is_finished());
            names.push(task.name().unwrap().to_string());
        }
        assert_eq!(names, ["a", "b", "c"]);
    });
}

#[test]
fn as_completed_timeout_leaves_the_slow_task_running() {
    both(|_| async {
        let start = corio::time::now();
        let mut stream = corio::as_completed([sleeper(10), sleeper(1)]).timeout(secs(5));
        assert_eq!(stream.next().await.unwrap().unwrap().unwrap(), 1);
        assert!(
            stream.next().await.unwrap().is_err(),
            "Elapsed after the deadline"
        );
        assert_eq!(since(start), secs(5));
        assert!(
            stream.next().await.is_none(),
            "one Elapsed per remaining task"
        );
        let mut rest = stream.into_remaining();
        assert_eq!(rest.len(), 1);
        let slow = rest.pop().unwrap();
        assert!(!slow.is_finished());
        assert_eq!(slow.await.unwrap(), 10);
        assert_eq!(since(start), secs(10));
    });
}

// ----- shield ------------------------------------------------------------------

#[test]
fn shield_keeps_the_task_running_when_the_waiter_is_cancelled() {
    both(|_| async {
        let saved = Arc::new(Event::new());
        let start = corio::time::now();
        let task = {
            let saved = saved.clone();
            corio::spawn(async move {
                corio::sleep(secs(5)).await;
                saved.set();
                "saved"
            })
        };
        let id = task.id();
        let timed_out = corio::timeout(secs(1), corio::shield(task)).await;
        assert!(timed_out.is_err());
        assert_eq!(since(start), secs(1));
        assert!(
            corio::all_tasks().iter().any(|t| t.id == id),
            "still alive after the timeout"
        );
        saved.wait().await;
        assert_eq!(since(start), secs(5), "it completed on its own schedule");

        // A waiter task cancelled from outside: the shielded task runs on.
        let finished = Arc::new(Event::new());
        let inner = {
            let finished = finished.clone();
            corio::spawn(async move {
                corio::sleep(secs(2)).await;
                finished.set();
                42
            })
        };
        let mut shielded = corio::shield(inner);
        let start = corio::time::now();
        assert!(corio::timeout(secs(1), &mut shielded).await.is_err());
        assert!(!shielded.is_finished());
        let outer = corio::spawn(shielded); // a waiter task, cancelled below
        corio::sleep(Duration::from_millis(500)).await;
        assert!(outer.cancel());
        assert!(outer.await.unwrap_err().is_cancelled());
        assert!(!finished.is_set());
        finished.wait().await;
        assert_eq!(since(start), secs(2), "the shielded task completed");
    });
}

// ----- TaskGroup ---------------------------------------------------------------

#[test]
fn the_first_failure_in_a_group_cancels_the_siblings() {
    both(|_| async {
        let drops = Drops::new(2);
        let finished = Arc::new(AtomicUsize::new(0));
        let group = TaskGroup::new();
        for s in [60u64, 90] {
            let token = drops.token();
            let finished = finished.clone();
            group
                .spawn(async move {
                    let _token = token;
                    corio::sleep(secs(s)).await;
                    finished.fetch_add(1, SeqCst);
                    Ok(s)
                })
                .unwrap();
        }
        group
            .spawn_named("failing", async {
                corio::sleep(secs(1)).await;
                Err("bad input")
            })
            .unwrap();
        let start = corio::time::now();
        let err = group.join().await.unwrap_err();
        assert_eq!(since(start), secs(1));
        assert_eq!(err.len(), 1);
        assert!(matches!(err.errors[0], ChildError::Failed("bad input")));
        assert_eq!(drops.count(), 2, "siblings dropped before join returned");
        assert_eq!(finished.load(SeqCst), 0);
        assert!(err.to_string().contains("bad input"), "{err}");
    });
}

/// Panics when dropped, unless the thread is already panicking.
struct PanicOnDrop(&'static str);

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("{}", self.0);
        }
    }
}

#[test]
fn a_group_reports_every_failure_in_order_of_occurrence() {
    both(|_| async {
        let group = TaskGroup::<u32, String>::new();
        // Fails second: its clean-up panics when the first failure cancels it.
        group
            .spawn(async {
                let _guard = PanicOnDrop("clean-up panicked");
                std::future::pending::<()>().await;
                Ok(0)
            })
            .unwrap();
        // Fails first.
        group
            .spawn(async {
                corio::sleep(secs(1)).await;
                Err("first".to_string())
            })
            .unwrap();
        group.spawn(async { Ok(7) }).unwrap();
        let err = group.join().await.unwrap_err();
        assert_eq!(err.len(), 2, "{err}");
        assert!(matches!(&err.errors[0], ChildError::Failed(e) if e == "first"));
        match &err.errors[1] {
            ChildError::Panicked(e) => assert!(e.to_string().contains("clean-up panicked"), "{e}"),
            other => panic!("expected a panic, got {other:?}"),
        }
        let text = err.to_string();
        assert!(text.starts_with("2 errors in a task group"), "{text}");
        assert!(
            text.find("[1] first").unwrap() < text.find("[2]").unwrap(),
            "{text}"
        );

        // A panicking child is a failure too.
        let group = TaskGroup::<(), String>::new();
        group
            .spawn(async {
                corio::yield_now().await;
                panic!("child panicked");
            })
            .unwrap();
        let err = group.join().await.unwrap_err();
        assert!(err.errors[0].is_panic());
        assert!(err.to_string().contains("child panicked"));
    });
}

#[test]
fn join_waits_for_children_spawned_by_children() {
    both(|_| async {
        let group = TaskGroup::<&'static str, ()>::new();
        let handle = group.handle();
        let start = corio::time::now();
        group
            .spawn(async move {
                let grandchild = handle.clone();
                handle
                    .spawn(async move {
                        corio::sleep(secs(1)).await;
                        grandchild
                            .spawn(async {
                                corio::sleep(secs(2)).await;
                                Ok("great-grandchild")
                            })
                            .unwrap();
                        Ok("grandchild")
                    })
                    .unwrap();
                Ok("child")
            })
            .unwrap();
        let results = group.join().await.unwrap();
        assert_eq!(
            results,
            ["child", "grandchild", "great-grandchild"],
            "spawn order"
        );
        assert_eq!(since(start), secs(3));
    });
}

#[test]
fn nested_groups_nest_their_errors() {
    both(|_| async {
        let outer = TaskGroup::<Vec<u8>, GroupError<&'static str>>::new();
        outer
            .spawn(async {
                let inner = TaskGroup::new();
                inner.spawn(async { Err("inner failure") }).unwrap();
                inner
                    .spawn(async {
                        corio::sleep(secs(30)).await;
                        Ok(1u8)
                    })
                    .unwrap();
                inner.join().await
            })
            .unwrap();
        outer
            .spawn(async {
                corio::sleep(secs(60)).await;
                Ok(vec![])
            })
            .unwrap();
        let start = corio::time::now();
        let err = outer.join().await.unwrap_err();
        assert_eq!(
            since(start),
            Duration::ZERO,
            "the inner failure cancelled everything at once"
        );
        assert_eq!(err.len(), 1);
        let inner = err.errors[0].as_failed().expect("the inner group's error");
        assert_eq!(
            inner.failures().copied().collect::<Vec<_>>(),
            ["inner failure"]
        );
        let text = err.to_string();
        assert!(text.contains("\n  [1] 1 error in a task group"), "{text}");
        assert!(text.contains("\n        [1] inner failure"), "{text}");
    });
}

#[test]
fn cancel_ends_the_group_without_error() {
    both(|_| async {
        let drops = Drops::new(1);
        let group = TaskGroup::<u64, ()>::new();
        group
            .spawn(async {
                corio::sleep(secs(1)).await;
                Ok(1)
            })
            .unwrap();
        let token = drops.token();
        group
            .spawn(async move {
                let _token = token;
                corio::sleep(secs(60)).await;
                Ok(60)
            })
            .unwrap();
        let handle = group.handle();
        group
            .spawn(async move {
                corio::sleep(secs(2)).await;
                handle.cancel();
                std::future::pending().await
            })
            .unwrap();
        let start = corio::time::now();
        assert_eq!(group.join().await.unwrap(), [1], "only what completed");
        assert_eq!(since(start), secs(2));
        assert_eq!(drops.count(), 1);
    });
}

#[test]
fn spawning_into_a_closing_or_finished_group_is_an_error() {
    both(|_| async {
        let group = TaskGroup::<(), &'static str>::new();
        let handle = group.handle();
        let refused = Arc::new(Mutex::new(None));
        {
            let refused = refused.clone();
            group
                .spawn(async move {
                    corio::sleep(secs(2)).await; // cancelled by the failure at 1 s
                    Ok(())
                })
                .unwrap();
            let handle = handle.clone();
            group
                .spawn(async move {
                    corio::sleep(secs(1)).await;
                    Err("fail")
                })
                .unwrap();
            group
                .spawn(async move {
                    let _record = OnDrop(move || {
                        *refused.lock().unwrap() = Some(handle.spawn(async { Ok(()) }));
                    });
                    std::future::pending().await
                })
                .unwrap();
        }
        assert!(group.join().await.is_err());
        assert_eq!(
            refused.lock().unwrap().take().unwrap().unwrap_err(),
            GroupClosed::ShuttingDown
        );
        let err = handle.spawn(async { Ok(()) }).unwrap_err();
        assert_eq!(err, GroupClosed::Finished);
        assert!(err.to_string().contains("finished"), "{err}");
        assert!(handle.is_closed());
    });
}

struct OnDrop<F: FnMut()>(F);

impl<F: FnMut()> Drop for OnDrop<F> {
    fn drop(&mut self) {
        (self.0)();
    }
}

#[test]
fn dropping_an_unjoined_group_cancels_its_children() {
    both(|_| async {
        let drops = Drops::new(3);
        let group = TaskGroup::<(), ()>::new();
        for _ in 0..3 {
            let token = drops.token();
            group
                .spawn(async move {
                    let _token = token;
                    std::future::pending().await
                })
                .unwrap();
        }
        drop(group);
        drops.all_dropped().await;
        assert_eq!(drops.count(), 3);
    });
}

#[test]
fn the_scoped_task_group_joins_and_a_failure_cancels_the_body() {
    both(|_| async {
        let start = corio::time::now();
        let out = corio::task_group(|tg| async move {
            for s in [2u64, 1] {
                tg.spawn(async move {
                    corio::sleep(secs(s)).await;
                    Ok::<_, String>(s)
                })
                .unwrap();
            }
            "body done"
        })
        .await
        .unwrap();
        assert_eq!(out.body, Some("body done"));
        assert_eq!(out.children, [2, 1]);
        assert_eq!(since(start), secs(2));

        let drops = Drops::new(1);
        let token = drops.token();
        let start = corio::time::now();
        let err = corio::task_group(|tg| async move {
            let _token = token;
            tg.spawn(async {
                corio::sleep(secs(1)).await;
                Err::<(), _>("child failed")
            })
            .unwrap();
            corio::sleep(secs(60)).await; // cancelled
            "never"
        })
        .await
        .unwrap_err();
        assert_eq!(since(start), secs(1));
        assert_eq!(drops.count(), 1, "the body was dropped");
        assert_eq!(
            err.failures().copied().collect::<Vec<_>>(),
            ["child failed"]
        );
    });
}

#[test]
fn a_group_of_10_000_children_gives_every_output_in_spawn_order() {
    both(|_| async {
        let group = TaskGroup::<u32, ()>::new();
        for i in 0..10_000u32 {
            group.spawn(async move { Ok(i) }).unwrap();
        }
        let out = group.join().await.unwrap();
        assert!(out.len() == 10_000 && out.iter().enumerate().all(|(i, &v)| v == i as u32));
    });
}

// ----- introspection -----------------------------------------------------------

#[test]
fn current_task_all_tasks_and_the_dump_show_names_and_parents() {
    both(|_| async {
        assert!(
            corio::current_task().is_none(),
            "the main future is not a task"
        );
        let release = Arc::new(Event::new());
        let parent = {
            let release = release.clone();
            corio::task::Builder::new()
                .name("parent")
                .spawn(async move {
                    let me = corio::current_task().unwrap();
                    let child = {
                        let release = release.clone();
                        corio::task::Builder::new()
                            .name("child")
                            .spawn(async move { release.wait().await })
                    };
                    let tasks = corio::all_tasks();
                    let child_info = tasks.iter().find(|t| t.id == child.id()).unwrap().clone();
                    let dump = corio::debug::dump();
                    release.set();
                    child.await.unwrap();
                    (me, child_info, tasks, dump)
                })
        };
        let parent_id = parent.id();
        let (me, child, tasks, dump) = parent.await.unwrap();
        assert_eq!(me.id, parent_id);
        assert_eq!(me.name.as_deref(), Some("parent"));
        assert_eq!(me.parent, None, "spawned from the main future");
        assert_eq!(child.name.as_deref(), Some("child"));
        assert_eq!(child.parent, Some(parent_id));
        assert_eq!(tasks.len(), 2);
        let lines: Vec<&str> = dump.lines().collect();
        assert_eq!(lines[0], "2 live tasks", "{dump}");
        assert!(
            lines[1].starts_with(&format!("task {parent_id} 'parent' Running")),
            "{dump}"
        );
        assert!(lines[1].ends_with("<- current"), "{dump}");
        assert!(
            lines[2].starts_with("└─ task ") && lines[2].contains("'child'"),
            "{dump}"
        );
        assert!(
            corio::all_tasks().is_empty(),
            "finished tasks are not listed"
        );
    });
}

#[test]
fn render_draws_a_tree_with_orphans_as_roots() {
    both(|_| async {
        let gate = Arc::new(Event::new());
        let root = {
            let gate = gate.clone();
            corio::task::Builder::new().name("root").spawn(async move {
                let mut kids = Vec::new();
                for name in ["k1", "k2"] {
                    let gate = gate.clone();
                    kids.push(corio::task::Builder::new().name(name).spawn(async move {
                        let g = gate.clone();
                        let grandkid = corio::task::Builder::new()
                            .name(format!("{name}-g"))
                            .spawn(async move { g.wait().await });
                        gate.wait().await;
                        grandkid.await.unwrap();
                    }));
                }
                gate.wait().await;
                for k in kids {
                    k.await.unwrap();
                }
            })
        };
        // Let everything start: the clock only moves once all tasks wait.
        corio::sleep(secs(1)).await;
        let text = corio::debug::render(&corio::all_tasks());
        let names: Vec<String> = text
            .lines()
            .skip(1)
            .map(|l| {
                let start = l.find('\'').unwrap();
                let end = l[start + 1..].find('\'').unwrap() + start + 1;
                format!("{}{}", &l[..l.find("task").unwrap()], &l[start + 1..end])
            })
            .collect();
        assert_eq!(
            names,
            ["root", "├─ k1", "│  └─ k1-g", "└─ k2", "   └─ k2-g"],
            "{text}"
        );
        // Without the root, its children become roots.
        let orphans: Vec<_> = corio::all_tasks()
            .into_iter()
            .filter(|t| t.name.as_deref() != Some("root"))
            .collect();
        let text = corio::debug::render(&orphans);
        assert!(
            text.lines().nth(1).unwrap().starts_with("task ") && text.contains("'k1'"),
            "{text}"
        );
        assert_eq!(
            text.lines().filter(|l| l.starts_with("task ")).count(),
            2,
            "{text}"
        );
        gate.set();
        root.await.unwrap();
    });
}
