//! Sign-in: argon2id passwords, opaque session tokens in an HttpOnly cookie (stored only as
//! their SHA-256), and the [`CurrentUser`] extractor every `/api/v1` handler takes.

pub mod authorize;
pub mod mfa;
pub mod oidc;
pub mod password;
pub mod session;

pub use authorize::{RequestMeta, authorize};
pub use session::{CurrentUser, SESSION_COOKIE};

/// Fails with 403 `feature_disabled` unless feature flag `key` is on for the user's role.
pub async fn require_feature(
    state: &crate::state::AppState,
    user: &CurrentUser,
    key: &str,
) -> Result<(), crate::error::ApiError> {
    if sentia_store::features::enabled(&state.db, key, user.user.role).await? {
        Ok(())
    } else {
        Err(crate::error::ApiError::FeatureDisabled(key.to_owned()))
    }
}
