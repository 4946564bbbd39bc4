//! STUB: owned by the console issue (the TUI).
