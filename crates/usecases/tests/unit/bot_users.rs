//! The Lex bot's users (seed 003): a username registered once per tenant, whatever its case, and
//! only a registered user's email changed.

use domain::Email;
use domain::bot_user::Username;
use usecases::bot_users::{BotUserError, change_bot_user_email, register_bot_user};
use usecases::memory::MemoryBotUsers;

use crate::support::{acme, globex};

#[tokio::test]
async fn a_username_registers_once_per_tenant_and_only_a_registered_user_changes_email() {
    let users = MemoryBotUsers::default();
    let name = |raw: &str| Username::parse(raw).unwrap();
    let email = |raw: &str| Email::parse(raw).unwrap();

    register_bot_user(&users, &acme(), &name("Ana"), &email("ana@example.com"))
        .await
        .unwrap();
    assert!(matches!(
        register_bot_user(&users, &acme(), &name("ana"), &email("other@example.com")).await,
        Err(BotUserError::AlreadyRegistered(taken)) if taken == name("ana")
    ));
    assert_eq!(
        users.email_of(&acme(), &name("Ana")).as_deref(),
        Some("ana@example.com"),
        "the refused registration changed nothing"
    );
    register_bot_user(
        &users,
        &globex(),
        &name("Ana"),
        &email("ana@globex.example"),
    )
    .await
    .unwrap();

    change_bot_user_email(&users, &acme(), &name("ANA"), &email("ana@new.example"))
        .await
        .unwrap();
    assert_eq!(
        users.email_of(&acme(), &name("Ana")).as_deref(),
        Some("ana@new.example")
    );
    assert_eq!(
        users.email_of(&globex(), &name("Ana")).as_deref(),
        Some("ana@globex.example"),
        "each tenant has its own users"
    );
    assert!(matches!(
        change_bot_user_email(&users, &acme(), &name("Bo"), &email("bo@example.com")).await,
        Err(BotUserError::Unknown(_))
    ));
    assert_eq!(
        users.email_of(&acme(), &name("Bo")),
        None,
        "an edit never creates"
    );
}
