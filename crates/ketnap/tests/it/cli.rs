//! The `ketnap` binary itself, on a SQLite file: good commands work, bad input fails with a
//! Vietnamese message naming the field and rule, a non-zero status, and nothing written.
