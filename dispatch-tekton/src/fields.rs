//! The names of the fields a serializable value sets.

/// The field names `value` serializes (Kubernetes types skip unset fields), in sorted order,
/// which is also the order Kubernetes types serialize them in; empty for anything but a struct or
/// a map.
pub(crate) fn set_fields<T: serde::Serialize>(value: &T) -> Vec<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::Object(fields)) => fields.into_iter().map(|(k, _)| k).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::{Container, ContainerPort};

    use super::set_fields;

    #[test]
    fn lists_only_set_fields() {
        let c = Container {
            name: "x".to_owned(),
            image: Some("alpine".to_owned()),
            ports: Some(vec![ContainerPort {
                container_port: 80,
                ..ContainerPort::default()
            }]),
            tty: Some(false),
            ..Container::default()
        };
        assert_eq!(set_fields(&c), ["image", "name", "ports", "tty"]);
        assert!(set_fields(&1).is_empty());
    }
}
