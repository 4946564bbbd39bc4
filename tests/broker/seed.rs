//! Seeding a sandbox for the broker tests, shared by the files that need
//! it: a sandbox with a fresh topic (the start of the fetch tests), dead
//! letters and retries made the way a consumer makes them, and config
//! profiles whose credentials come from the environment.

use std::sync::Arc;
use std::time::Duration;

use rmq_engine::runtime::Runtime;
use rmq_sandbox::{Sandbox, SandboxOptions};
use rocketmq_client_rust::{
    AclClientRPCHook, ClientConfig, ClientInstanceHandle, ClientRuntime, ClientRuntimeConfig,
    ConsumerAdmin, DefaultMQAdminExt, SessionCredentials,
};

use crate::common::{TestSandbox, create_topic, start_sandbox, unique};

/// A default sandbox, its name server's address, a home for the binary, a
/// runtime, and a topic of its own — in that order, so that a test names
/// them in one line: `let Seeded(sb, ns, home, rt, topic) = …`.
pub struct Seeded(
    pub TestSandbox,
    pub String,
    pub tempfile::TempDir,
    pub Runtime,
    pub String,
);

/// `Seeded`, its topic named after `kind` and created with `queues` queues
/// (a test whose subject is not auto-creation creates its topic first:
/// see `create_topic`).
pub fn seeded_topic(kind: &str, queues: i32) -> Seeded {
    let sb = start_sandbox(SandboxOptions::default());
    let ns = sb.namesrv_addr.clone();
    let home = tempfile::tempdir().unwrap();
    let topic = unique(kind);
    let rt = Runtime::new().unwrap();
    rt.block_on(create_topic(&rt, &ns, &topic, queues, 1));
    Seeded(sb, ns, home, rt, topic)
}

/// A `[[profile]]` named `name` on `namesrv` whose AccessKey and SecretKey
/// are read from the variables `ak_env` and `sk_env` (the secret never on
/// a command line or in the file).
pub fn env_credentials_profile(name: &str, namesrv: &str, ak_env: &str, sk_env: &str) -> String {
    format!(
        "[[profile]]\nname = \"{name}\"\nendpoint = \"{namesrv}\"\naccess-key-env = \"{ak_env}\"\n\
         secret-key-env = \"{sk_env}\"\n"
    )
}

/// Sends the stored message `offset_id` back for `group` the way a
/// consumer does: at delay level -1 it goes straight to `%DLQ%group` (a
/// consumer that gives up), at 1 to `%RETRY%group` a second later. Signed
/// with `credentials` (AccessKey, SecretKey) on a sandbox with ACL.
pub async fn send_back(
    rt: &Runtime,
    sb: &Sandbox,
    offset_id: &str,
    group: &str,
    delay_level: i32,
    credentials: Option<(&str, &str)>,
) {
    let client = ClientRuntime::try_new(
        rt.context("dlq-seed"),
        ClientRuntimeConfig::default(),
        rocketmq_observability::TelemetryHandle::noop(),
    )
    .expect("client runtime");
    let hook = credentials
        .map(|(ak, sk)| Arc::new(AclClientRPCHook::new(SessionCredentials::with_keys(ak, sk))));
    let mut admin = match &hook {
        Some(h) => DefaultMQAdminExt::with_rpc_hook_and_timeout(
            client.clone(),
            h.clone(),
            Duration::from_secs(5),
        ),
        None => DefaultMQAdminExt::with_timeout(client.clone(), Duration::from_secs(5)),
    };
    admin.set_namesrv_addr(sb.namesrv_addr.as_str());
    admin.start().await.expect("admin starts");
    let msg = admin
        .query_message(Default::default(), Default::default(), offset_id.into())
        .await
        .expect("the message to dead-letter");
    let config = ClientConfig::builder()
        .namesrv_addr(sb.namesrv_addr.clone())
        .build()
        .expect("config");
    let handle = ClientInstanceHandle::get_or_create(
        &client,
        4242,
        config,
        hook.map(|h| h as Arc<rocketmq_client_rust::ClientRpcHook>),
    )
    .expect("handle");
    handle.start().await.expect("handle starts");
    handle
        .consumer_send_message_back(
            &sb.broker_addr,
            Some("broker-a"),
            &msg,
            group,
            delay_level,
            5000,
            16,
        )
        .await
        .expect("send-back to the DLQ");
    drop(handle);
    admin.shutdown().await;
    let _ = client.shutdown().await;
}
