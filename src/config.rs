//! STUB: owned by the config issue (profiles, credentials, themes, keys).
