//! Compile-fail tests: one file per error message of `#[derive(Model)]`
//! under `ui/attr`, `ui/model` and `ui/shape`, and the type errors of typed
//! expressions over generated columns under `ui/types`, and the misuses
//! of relations (joins and eager loads) under `ui/relations`. Regenerate the
//! expected output with `TRYBUILD=overwrite cargo test -p ormcore-tests
//! --test ui` and read every changed `.stderr`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/**/*.rs");
}
