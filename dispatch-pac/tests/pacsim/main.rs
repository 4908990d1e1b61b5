//! A test-side model of Pipelines-as-Code (placeholder).

#[test]
fn placeholder() {
    let pac = dispatch_pac::translate(
        &dispatchfile_model::Pipeline::default(),
        &Default::default(),
    );
    assert!(pac.is_ok());
}
