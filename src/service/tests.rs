//! [`Service::pages`] against fake listings, and limiter keys per (target, operation).

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::watch;

use super::*;
use crate::cloud::ErrorKind;

fn service() -> (watch::Sender<bool>, Service) {
    let (tx, cancel) = watch::channel(false);
    let policy = RetryPolicy { max_attempts: 3, base: std::time::Duration::ZERO, ..RetryPolicy::default() };
    (tx, Service::new(HashMap::new(), Pace::new(Some(1000.0), policy), cancel))
}

fn page(items: &[u32], next: Option<&str>) -> std::result::Result<Page<u32>, CallError> {
    Ok(Page { items: items.to_vec(), next: next.map(str::to_string) })
}

const KEY: LimitKey = LimitKey { target: 0, op: Op::ListProjects };

#[tokio::test]
async fn pages_follow_tokens_in_order_and_retry_a_page() {
    let (_tx, svc) = service();
    let mut asked = Vec::new();
    let mut got = Vec::new();
    let mut throttled_once = false;
    let r: std::result::Result<(), PagesError<()>> = svc
        .pages(
            None,
            KEY,
            &mut AttemptStats::default(),
            |_| {},
            |token| {
                asked.push(token.clone());
                let answer = match token.as_deref() {
                    None => page(&[1, 2], Some("a")),
                    Some("a") if !throttled_once => {
                        throttled_once = true;
                        Err(CallError { kind: ErrorKind::Throttling, ..CallError::malformed("slow down") })
                    }
                    Some("a") => page(&[3], Some("b")),
                    _ => page(&[4], None),
                };
                async move { answer }
            },
            |items| {
                got.extend(items);
                Ok(())
            },
        )
        .await;
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(got, [1, 2, 3, 4]);
    let want: Vec<Option<String>> = vec![None, Some("a".into()), Some("a".into()), Some("b".into())];
    assert_eq!(asked, want, "the throttled page is asked again with the same token");
    let counted = svc.calls();
    assert_eq!(counted.get(&Op::ListProjects), Some(&CallCount { attempts: 4, throttled: 1 }), "{counted:?}");
    assert_eq!(counted.len(), 1, "only the operation called is counted: {counted:?}");
}

#[tokio::test]
async fn pages_stop_on_a_repeated_token_a_refusal_or_a_failure() {
    let (_tx, svc) = service();
    let mut stats = AttemptStats::default();
    let repeated = svc
        .pages(
            None,
            KEY,
            &mut stats,
            |_| {},
            |t| async move { page(&[1], Some(t.as_deref().unwrap_or("x"))) },
            |_| Ok::<_, ()>(()),
        )
        .await;
    assert!(matches!(repeated, Err(PagesError::RepeatedToken)), "{repeated:?}");
    let refused = svc.pages(None, KEY, &mut stats, |_| {}, |_| async { page(&[7], Some("n")) }, |_| Err("full")).await;
    assert!(matches!(refused, Err(PagesError::Consumer("full"))), "{refused:?}");
    let failed = svc
        .pages(
            None,
            KEY,
            &mut stats,
            |_| {},
            |_| async {
                Err::<Page<u32>, _>(CallError { kind: ErrorKind::AccessDenied, ..CallError::malformed("no") })
            },
            |_| Ok::<_, ()>(()),
        )
        .await;
    assert!(matches!(failed, Err(PagesError::Call(ref e)) if e.kind == ErrorKind::AccessDenied), "{failed:?}");
}

#[tokio::test]
async fn a_cancelled_service_sends_nothing() {
    let (tx, svc) = service();
    tx.send(true).unwrap();
    let mut sent = 0;
    let r = svc
        .pages(
            None,
            KEY,
            &mut AttemptStats::default(),
            |_| {},
            |_| {
                sent += 1;
                async { page(&[1], None) }
            },
            |_| Ok::<_, ()>(()),
        )
        .await;
    assert!(matches!(r, Err(PagesError::Cancelled)), "{r:?}");
    assert_eq!(sent, 0);
}

#[test]
fn each_target_and_operation_has_its_own_limiter() {
    let (_tx, svc) = service();
    let a = svc.limiter(LimitKey { target: 0, op: Op::DescribeProject });
    assert!(Arc::ptr_eq(&a, &svc.limiter(LimitKey { target: 0, op: Op::DescribeProject })));
    assert!(!Arc::ptr_eq(&a, &svc.limiter(LimitKey { target: 1, op: Op::DescribeProject })));
    assert!(!Arc::ptr_eq(&a, &svc.limiter(LimitKey { target: 0, op: Op::DeleteDataset })));
    assert_eq!(Op::DescribeProject.to_string(), "DescribeProject");
}

#[test]
fn renumbering_a_target_carries_its_limiters_and_drops_the_ones_it_replaces() {
    let pace = Pace::new(Some(5.0), RetryPolicy::default());
    let key = |target, op| LimitKey { target, op };
    let probed = pace.limiter(key(2, Op::ListProjects));
    let identity = pace.limiter(key(2, Op::GetCallerIdentity));
    let stale = pace.limiter(key(0, Op::ListProjects));
    pace.renumber(2, 0);
    assert!(Arc::ptr_eq(&pace.limiter(key(0, Op::ListProjects)), &probed), "the probe's limiter goes with it");
    assert!(Arc::ptr_eq(&pace.limiter(key(0, Op::GetCallerIdentity)), &identity));
    assert!(!Arc::ptr_eq(&pace.limiter(key(0, Op::ListProjects)), &stale));
    assert!(!Arc::ptr_eq(&pace.limiter(key(2, Op::ListProjects)), &probed), "number 2 starts afresh");
    pace.renumber(1, 1);
    assert!(Arc::ptr_eq(&pace.limiter(key(0, Op::ListProjects)), &probed), "renumbering to itself moves nothing");
}
