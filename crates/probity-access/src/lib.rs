//! Probity's access layer.

mod error;
pub mod password;
pub mod role;
pub mod totp;

pub use error::{Error, Result};
pub use password::{AccountName, Argon2Params, PasswordDigest, PasswordPolicy};
pub use role::{Permission, Role, RoleSet, UnknownRole};
