//! Tests of the Pipelines-as-Code translation (placeholder).

#[test]
fn default_name() {
    assert_eq!(dispatch_pac::PacOptions::default().name, "dispatch");
}
