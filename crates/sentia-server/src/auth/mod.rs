//! Sign-in: argon2id passwords, opaque session tokens in an HttpOnly cookie (stored only as
//! their SHA-256), and the [`CurrentUser`] extractor every `/api/v1` handler takes.

pub mod authorize;
pub mod mfa;
pub mod password;
pub mod session;

pub use authorize::{RequestMeta, authorize};
pub use session::{CurrentUser, SESSION_COOKIE};
