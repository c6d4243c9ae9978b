//! Nothing to build: this package exists for its tests (see README.md),
//! which test the reference plugin through `cni_harness::testing` only, as
//! a plugin author tests their own binary.
