//! TOTP two-factor sign-in (RFC 6238: SHA-1, 6 digits, 30 s steps, one step of clock skew
//! either way), recovery codes, and the check shared by sign-in and step-up. A time step is
//! accepted once per user, ever: a code seen once (even by an eavesdropper) never works again.

use chrono::{DateTime, Duration, Utc};
use sentia_store::audit;
use sentia_store::users;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Secret, TOTP};

use super::{CurrentUser, RequestMeta};
use crate::error::ApiError;
use crate::state::AppState;

/// How long a second-factor check counts as a step-up.
pub const STEP_UP_WINDOW: Duration = Duration::minutes(5);
/// Failed codes per user within [`CODE_LOCKOUT_WINDOW`] that lock code entry.
pub const CODE_LOCKOUT_THRESHOLD: u64 = 5;
/// Window failed codes are counted over.
pub const CODE_LOCKOUT_WINDOW: Duration = Duration::minutes(15);
/// Recovery codes issued at enrolment.
pub const RECOVERY_CODES: usize = 10;
/// Seconds per TOTP step.
pub const STEP_SECONDS: i64 = 30;

/// A fresh random secret (160 bits), base32.
pub fn new_secret() -> String {
    use rand::RngCore;
    let mut b = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut b);
    match Secret::Raw(b.to_vec()).to_encoded() {
        Secret::Encoded(s) => s,
        Secret::Raw(_) => unreachable!("to_encoded encodes"),
    }
}

/// A secret in its stored form: sealed under the master key.
pub fn seal(state: &AppState, secret: &str) -> String {
    state
        .master_key
        .seal(sentia_store::mfa::SECRET_PURPOSE, secret)
}

/// A stored secret opened with the master key. Fails (500, logged) when the key is not the
/// one it was sealed with — an admin then resets the user's second factor.
pub fn open(state: &AppState, stored: &str) -> Result<String, ApiError> {
    state
        .master_key
        .open(sentia_store::mfa::SECRET_PURPOSE, stored)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored TOTP secret: {e}")))
}

fn totp(secret: &str, account: &str) -> Result<TOTP, ApiError> {
    let bytes = Secret::Encoded(secret.to_owned())
        .to_bytes()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored TOTP secret unreadable: {e:?}")))?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        STEP_SECONDS as u64,
        bytes,
        Some("Sentia".into()),
        account.to_owned(),
    )
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("TOTP setup: {e:?}")))
}

/// The `otpauth://` URL an authenticator app scans.
pub fn otpauth_url(secret: &str, account: &str) -> Result<String, ApiError> {
    Ok(totp(secret, account)?.get_url())
}

/// The URL as an SVG QR code.
pub fn qr_svg(url: &str) -> Result<String, ApiError> {
    let code = qrcode::QrCode::new(url.as_bytes())
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("QR code: {e}")))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build())
}

/// The time step of the code at `now` (one step of skew either way) that `code` matches.
pub fn matching_step(
    secret: &str,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Option<i64>, ApiError> {
    let t = totp(secret, "")?;
    let step = now.timestamp().div_euclid(STEP_SECONDS);
    Ok([step - 1, step, step + 1]
        .into_iter()
        .filter(|s| *s >= 0)
        .find(|s| t.generate((*s * STEP_SECONDS) as u64) == code))
}

/// The code of a secret at an instant (what an authenticator app shows).
pub fn code_at(secret: &str, at: DateTime<Utc>) -> Result<String, ApiError> {
    Ok(totp(secret, "")?.generate(at.timestamp().max(0) as u64))
}

/// Fresh recovery codes, `xxxxx-xxxxx` (lower-case letters and digits).
pub fn new_recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let s = super::password::random_secret(10).to_lowercase();
            format!("{}-{}", &s[..5], &s[5..])
        })
        .collect()
}

/// The stored form of a recovery code (spaces, dashes and case do not matter).
pub fn recovery_hash(code: &str) -> String {
    let norm: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    hex::encode(Sha256::digest(norm.as_bytes()))
}

fn lock_key(user_id: i64) -> String {
    format!("mfa:{user_id}")
}

/// What a code proved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    /// A TOTP code.
    Totp,
    /// A one-time recovery code.
    Recovery,
}

/// Checks a code for the user (TOTP, or a recovery code) and marks the session checked.
/// Refused: a wrong code, a TOTP step already used, a used recovery code — each counted;
/// after [`CODE_LOCKOUT_THRESHOLD`] in [`CODE_LOCKOUT_WINDOW`] code entry is locked (429).
pub async fn verify(
    state: &AppState,
    user: &CurrentUser,
    meta: &RequestMeta,
    code: &str,
    purpose: &str,
) -> Result<CodeKind, ApiError> {
    let now = state.now();
    let key = lock_key(user.user.id);
    let recent = users::recent_login_failures(
        &state.db,
        &key,
        now - CODE_LOCKOUT_WINDOW,
        CODE_LOCKOUT_THRESHOLD,
    )
    .await?;
    if recent.len() as u64 >= CODE_LOCKOUT_THRESHOLD {
        let until = recent.last().map_or(now, |t| *t + CODE_LOCKOUT_WINDOW);
        return Err(ApiError::AccountLocked {
            retry_after_secs: u64::try_from((until - now).num_seconds().max(1)).unwrap_or(1),
        });
    }
    let st = sentia_store::mfa::state(&state.db, user.user.id).await?;
    let secret = open(
        state,
        &st.secret
            .ok_or_else(|| ApiError::Conflict("two-factor sign-in is not set up".into()))?,
    )?;
    let code = code.trim();
    let kind = if code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()) {
        match matching_step(&secret, code, now)? {
            Some(step) if sentia_store::mfa::claim_step(&state.db, user.user.id, step).await? => {
                Some(CodeKind::Totp)
            }
            _ => None,
        }
    } else if code.len() <= 32
        && sentia_store::mfa::use_recovery_code(&state.db, user.user.id, &recovery_hash(code), now)
            .await?
    {
        Some(CodeKind::Recovery)
    } else {
        None
    };
    let Some(kind) = kind else {
        users::record_login_failure(
            &state.db,
            &key,
            now,
            meta.ip.clone(),
            now - CODE_LOCKOUT_WINDOW,
        )
        .await?;
        audit::record(
            &state.db,
            &meta
                .entry(
                    now,
                    Some(user.user.id),
                    "auth.mfa_failed",
                    "session",
                    Some(user.session_id.to_string()),
                )
                .details(serde_json::json!({ "purpose": purpose })),
        )
        .await?;
        return Err(ApiError::unprocessable(
            "code",
            "is not a valid code (a code works once; use the current one from your app, or an unused recovery code)",
        ));
    };
    users::clear_login_failures(&state.db, &key).await?;
    sentia_store::mfa::mark_session(&state.db, user.session_id, now).await?;
    audit::record(
        &state.db,
        &meta
            .entry(
                now,
                Some(user.user.id),
                "auth.mfa_verify",
                "session",
                Some(user.session_id.to_string()),
            )
            .details(serde_json::json!({
                "purpose": purpose,
                "kind": match kind { CodeKind::Totp => "totp", CodeKind::Recovery => "recovery" },
            })),
    )
    .await?;
    Ok(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_matches_its_step_and_its_neighbours_only() {
        let s = new_secret();
        assert_eq!(s.len(), 32, "160 bits in base32");
        let now = DateTime::from_timestamp(1_800_000_015, 0).unwrap();
        let step = now.timestamp() / STEP_SECONDS;
        let code = code_at(&s, now).unwrap();
        assert_eq!(matching_step(&s, &code, now).unwrap(), Some(step));
        // Still accepted 30 s later (skew), no more 90 s later.
        assert_eq!(
            matching_step(&s, &code, now + Duration::seconds(30)).unwrap(),
            Some(step)
        );
        assert_eq!(
            matching_step(&s, &code, now + Duration::seconds(90)).unwrap(),
            None
        );
    }

    #[test]
    fn recovery_codes_are_distinct_and_hash_alike_however_typed() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let set: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(set.len(), codes.len());
        let c = &codes[0];
        assert_eq!(
            recovery_hash(c),
            recovery_hash(&c.to_uppercase().replace('-', " "))
        );
        assert_ne!(recovery_hash(c), recovery_hash(&codes[1]));
    }
}
