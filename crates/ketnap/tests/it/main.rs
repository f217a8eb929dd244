//! The one integration-test binary: the store story on every backend, and the CLI.

mod cli;
mod fixtures;
mod story;
