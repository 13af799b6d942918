//! The emulator's Organizations through the real `aws-sdk-organizations` client: ListAccounts paging and
//! states, and who may list. (The organisation `lfv-sunset emulator --seed-accounts` generates is the tool's
//! test, in `tests/integration/emulator_cli.rs` at the root.)

use aws_sdk_organizations::types::AccountState;
use lfv_emulator::Seed;
use lfv_emulator::org_seed::member_id;
use lfv_emulator::seed::AccessKey;
use lfv_emulator::seed::{OrgAccount, SeedOrganization};

use super::sts::{MGMT, failure, key, org_seed, sdk};
use super::{config, start};

/// An organisation of 45 accounts (the management account first); every 4th member SUSPENDED.
fn org45() -> Seed {
    let mut accounts = vec![OrgAccount {
        id: MGMT.into(),
        name: "management".into(),
        email: "root@example.com".into(),
        status: "ACTIVE".into(),
    }];
    for i in 1..45 {
        accounts.push(OrgAccount {
            id: member_id(i),
            name: format!("acct-{i:02}"),
            email: format!("acct-{i:02}@example.com"),
            status: if i % 4 == 0 { "SUSPENDED" } else { "ACTIVE" }.into(),
        });
    }
    let mut seed =
        Seed { organization: Some(SeedOrganization { management_account: MGMT.into(), accounts }), ..Seed::default() };
    seed.access_keys.insert("AKIAMEMBER1".into(), AccessKey { account: member_id(1), deny: vec![] });
    seed.access_keys.insert("AKIAOUTSIDE".into(), AccessKey { account: "210987654321".into(), deny: vec![] });
    seed
}

#[tokio::test]
async fn list_accounts_pages_over_45_accounts_with_their_states() {
    let emu = start(config(org45())).await;
    let orgs = aws_sdk_organizations::Client::new(&sdk(&emu, key("AKIDTEST"), "us-east-1").await);
    // Pages of 7: 7 pages, the last of 3, NextToken absent only on the last.
    let mut token = None;
    let mut sizes = Vec::new();
    let mut seen = Vec::new();
    for _ in 0..20 {
        let page = orgs.list_accounts().max_results(7).set_next_token(token.clone()).send().await.unwrap();
        sizes.push(page.accounts().len());
        seen.extend(page.accounts().iter().map(|a| (a.id().unwrap().to_string(), a.state().cloned())));
        // `Status` was retired on 2026-09-09: only `State` is answered.
        assert!(page.accounts().iter().all(|a| a.status().is_none()));
        token = page.next_token().map(String::from);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(sizes, [7, 7, 7, 7, 7, 7, 3]);
    assert_eq!(seen.len(), 45);
    assert_eq!(seen[0], (MGMT.to_string(), Some(AccountState::Active)));
    let suspended: Vec<&str> =
        seen.iter().filter(|(_, s)| *s == Some(AccountState::Suspended)).map(|(id, _)| id.as_str()).collect();
    assert_eq!(suspended.len(), 11);
    assert!(suspended.contains(&member_id(4).as_str()) && !suspended.contains(&member_id(5).as_str()));
    // The SDK's paginator with the default page size (20): 3 pages, the same 45 accounts.
    let pages: Vec<_> = orgs.list_accounts().into_paginator().send().collect::<Vec<_>>().await;
    assert_eq!(pages.iter().map(|p| p.as_ref().unwrap().accounts().len()).collect::<Vec<_>>(), [20, 20, 5]);
    let first = &pages[0].as_ref().unwrap().accounts()[1];
    assert_eq!((first.name(), first.email()), (Some("acct-01"), Some("acct-01@example.com")));
    assert!(first.arn().unwrap().ends_with(&format!(":account/o-lfvemulator/{}", member_id(1))));
    // MaxResults outside 1..=20 and a token not issued here are InvalidInputException.
    let bad = ("InvalidInputException".to_string(), 400);
    assert_eq!(failure(orgs.list_accounts().max_results(21).send().await), bad);
    assert_eq!(failure(orgs.list_accounts().max_results(0).send().await), bad);
    assert_eq!(failure(orgs.list_accounts().next_token("bm90IGEgdG9rZW4=").send().await), bad);
    assert_eq!(emu.stats().calls_with_status("ListAccounts", "200"), 10);
}

#[tokio::test]
async fn only_the_management_account_may_list_and_others_are_not_in_use() {
    let emu = start(config(org45())).await;
    let member = aws_sdk_organizations::Client::new(&sdk(&emu, key("AKIAMEMBER1"), "us-east-1").await);
    assert_eq!(failure(member.list_accounts().send().await), ("AccessDeniedException".into(), 400));
    let outside = aws_sdk_organizations::Client::new(&sdk(&emu, key("AKIAOUTSIDE"), "us-east-1").await);
    assert_eq!(failure(outside.list_accounts().send().await), ("AWSOrganizationsNotInUseException".into(), 400));
    // An assumed role in the management account lists (the session's account decides).
    let emu2 = start(config(org_seed())).await;
    let mgmt = aws_sdk_organizations::Client::new(&sdk(&emu2, key("AKIDTEST"), "us-east-1").await);
    assert_eq!(mgmt.list_accounts().send().await.unwrap().accounts().len(), 4);
    // No organisation at all.
    let emu3 = start(config(Seed::default())).await;
    let alone = aws_sdk_organizations::Client::new(&sdk(&emu3, key("AKIDTEST"), "us-east-1").await);
    assert_eq!(failure(alone.list_accounts().send().await), ("AWSOrganizationsNotInUseException".into(), 400));
    let log = emu.log();
    assert_eq!(log.iter().filter(|e| e.op == "ListAccounts" && e.account == member_id(1)).count(), 1);
}
