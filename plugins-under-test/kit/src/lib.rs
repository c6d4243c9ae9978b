//! Shared plumbing for the project's own CNI plugins.
