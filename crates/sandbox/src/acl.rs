//! The broker's access control in a sandbox: authentication for the admin
//! user (`SandboxOptions::acl`) and, with `SandboxOptions::publish_only`,
//! authorization with a second user who may publish to every topic but
//! read none — the credential a producer service is usually given.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::{AclUser, toml_string};

/// The `[broker]` keys for `admin` (a super user, allowed everything) and,
/// when given, `publish_only`, whose rights are in the ACL file `acl_file`
/// (see `write_acl_file`). Values are quoted as TOML, so no character of a
/// key pair can end the string and add keys of its own.
pub(crate) fn broker_keys(
    admin: &AclUser,
    publish_only: Option<&AclUser>,
    auth_dir: &Path,
    acl_file: &Path,
) -> String {
    let mut keys = format!(
        "authenticationEnabled = true\ninitAuthenticationUser = {}\nauthConfigPath = {}\n",
        toml_string(&format!("{}:{}", admin.access_key, admin.secret_key)),
        toml_string(&auth_dir.display().to_string())
    );
    if publish_only.is_some() {
        // Authorization is what makes a user's rights count; without it an
        // authenticated user may do anything. The broker imports the ACL
        // file (the 1.0 `plain_acl.yml` format) into its auth metadata at
        // start (rocketmq-auth 1.0.0 `runtime.rs`, `load_configured_acl_file`).
        keys.push_str(&format!(
            "authorizationEnabled = true\naclFile = {}\n",
            toml_string(&acl_file.display().to_string())
        ));
    }
    keys
}

/// The ACL file's text: `user` may publish to any topic (`PUB`), and has no
/// right on any group, so it can neither subscribe, pull nor query.
pub(crate) fn acl_file_text(user: &AclUser) -> String {
    // A JSON string is a YAML double-quoted scalar: any character of the
    // pair is carried as written, none starts a key of its own.
    let quote = |s: &str| serde_json::Value::String(s.to_string()).to_string();
    format!(
        "accounts:\n  - accessKey: {}\n    secretKey: {}\n    admin: false\n    defaultTopicPerm: PUB\n    defaultGroupPerm: DENY\n",
        quote(&user.access_key),
        quote(&user.secret_key)
    )
}

/// Writes the ACL file for `user` as `root/acl-NAME.yml` (private to this
/// user, like the broker's configuration beside it); its path.
pub(crate) fn write_acl_file(root: &Path, name: &str, user: &AclUser) -> Result<PathBuf> {
    let path = root.join(format!("acl-{name}.yml"));
    rmq_model::fsutil::write_atomic(&path, acl_file_text(user).as_bytes())
        .context("writing the broker's ACL file")?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(ak: &str, sk: &str) -> AclUser {
        AclUser {
            access_key: ak.into(),
            secret_key: sk.into(),
        }
    }

    #[test]
    fn authorization_is_on_only_with_a_publish_only_user() {
        let dir = Path::new("/tmp/x");
        let admin = user("admin", "s3cret");
        let plain = broker_keys(&admin, None, dir, &dir.join("acl.yml"));
        assert!(plain.contains("authenticationEnabled = true"));
        assert!(!plain.contains("authorization"), "{plain}");
        let both = broker_keys(&admin, Some(&user("pub", "p")), dir, &dir.join("acl.yml"));
        assert!(both.contains("authorizationEnabled = true"), "{both}");
        assert!(both.contains("aclFile = \"/tmp/x/acl.yml\""), "{both}");
    }

    /// The reader the broker uses (serde_yaml, field names in camelCase:
    /// rocketmq-auth 1.0.0 `acl/loader.rs`) reads back what was written,
    /// quotes, colons and line breaks included.
    #[test]
    fn the_acl_file_reads_back_as_written() {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Account {
            access_key: String,
            secret_key: String,
            admin: bool,
            default_topic_perm: String,
            default_group_perm: String,
        }
        #[derive(serde::Deserialize)]
        struct File {
            accounts: Vec<Account>,
        }
        let text = acl_file_text(&user("pub: x", "a\"b\nc: #d"));
        let file: File = serde_yaml::from_str(&text).unwrap();
        assert_eq!(file.accounts.len(), 1);
        let a = &file.accounts[0];
        assert_eq!(
            (a.access_key.as_str(), a.secret_key.as_str(), a.admin),
            ("pub: x", "a\"b\nc: #d", false)
        );
        assert_eq!(
            (a.default_topic_perm.as_str(), a.default_group_perm.as_str()),
            ("PUB", "DENY")
        );
    }

    /// A publish-only user needs the admin user (authorization needs
    /// authentication on); with both, the ACL file is written private
    /// beside the configuration, which names it.
    #[test]
    fn a_publish_only_user_comes_with_an_admin_and_a_private_acl_file() {
        let dir = tempfile::tempdir().unwrap();
        let user = |ak: &str| AclUser {
            access_key: ak.into(),
            secret_key: format!("{ak}-secret"),
        };
        let alone = crate::SandboxOptions {
            publish_only: Some(user("pub")),
            ..Default::default()
        };
        let e = crate::broker_config(
            "127.0.0.1:1",
            "broker-a",
            1,
            2,
            dir.path(),
            &alone,
            dir.path(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("needs an admin user"), "{e}");
        let both = crate::SandboxOptions {
            acl: Some(user("admin")),
            ..alone
        };
        let conf = crate::broker_config(
            "127.0.0.1:1",
            "broker-a",
            1,
            2,
            dir.path(),
            &both,
            dir.path(),
        )
        .unwrap();
        let file = dir.path().join("acl-broker-a.yml");
        assert!(conf.contains("authorizationEnabled = true"), "{conf}");
        assert!(conf.contains(&file.display().to_string()), "{conf}");
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&file).unwrap().permissions(),
        ) & 0o777;
        assert_eq!(mode, 0o600);
        assert!(
            std::fs::read_to_string(&file)
                .unwrap()
                .contains("pub-secret")
        );
    }
}
