//! The names of the fields a serializable struct sets, found without serializing their values.

use std::fmt;

use serde::Serialize;
use serde::ser::{self, Impossible};

/// The field names `value` serializes (Kubernetes types skip unset fields), in order; empty for
/// anything but a struct.
pub(crate) fn set_fields<T: Serialize>(value: &T) -> Vec<&'static str> {
    value.serialize(Fields).unwrap_or_default()
}

#[derive(Debug)]
pub(crate) struct NotAStruct;

impl fmt::Display for NotAStruct {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a struct")
    }
}

impl std::error::Error for NotAStruct {}

impl ser::Error for NotAStruct {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        NotAStruct
    }
}

struct Fields;

pub(crate) struct Names(Vec<&'static str>);

impl ser::SerializeStruct for Names {
    type Ok = Vec<&'static str>;
    type Error = NotAStruct;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        _value: &T,
    ) -> Result<(), NotAStruct> {
        self.0.push(key);
        Ok(())
    }
    fn end(self) -> Result<Vec<&'static str>, NotAStruct> {
        Ok(self.0)
    }
}

type No = Impossible<Vec<&'static str>, NotAStruct>;

impl ser::Serializer for Fields {
    type Ok = Vec<&'static str>;
    type Error = NotAStruct;
    type SerializeSeq = No;
    type SerializeTuple = No;
    type SerializeTupleStruct = No;
    type SerializeTupleVariant = No;
    type SerializeMap = No;
    type SerializeStruct = Names;
    type SerializeStructVariant = No;

    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Names, NotAStruct> {
        Ok(Names(Vec::with_capacity(len)))
    }
    fn serialize_bool(self, _v: bool) -> Result<Self::Ok, NotAStruct> {
        Err(NotAStruct)
    }
    fn serialize_i8(self, _v: i8) -> Result<Self::Ok, NotAStruct> {
        Err(NotAStruct)
    }
    fn serialize_i16(self, _v: i16) -> Result<Self::Ok, NotAStruct> {
        Err(NotAStruct)
    }
    fn serialize_i32(self, _v: i32) -> Result<Self::Ok, NotAStruct> {
        Err(NotAStruct)
    }
    fn serialize_i64(self, _v: i64) -> Result<Self::Ok, NotAStruct> {
        Err(NotAStruct)
    }
    fn serialize_u8(self, _v: u8) -> Result<Self::Ok, NotAStruct> {
        Err(NotAStruct)
    }
    fn serialize_u16(self, _v: u16) -> Result<Self::Ok, NotAStruct> {
        Err(NotAStruct)
    }
    fn serialize_u32(self, _v: u32) -> Result<Self::Ok, NotAStruct> {
        Err(NotAStruct)
    }
    fn serialize_u64(self, _v: u64) -> Result<Self::Ok, NotAStruct> {
        Err(NotAStruct)
    }
    fn serialize_f32(self, _v: f32) -> Result<Self::Ok, NotAStruct> {
        Err(NotAStruct)
    }
    fn serialize_f64(self, _v: f64) -> Result<Self::Ok, NotAStruct> {
        Err(NotAStruct)
    }
    fn serialize_char(self, _v: char) -> Result<Self::Ok, NotAStruct> {
        Err(NotAStruct)
    }
    fn serialize_str(self, _v: &str) -> Result<Self::Ok, NotAStruct> {
        Err(NotAStruct)
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<Self::Ok, NotAStruct> {
        Err(NotAStruct)
    }
    fn serialize_none(self) -> Result<Self::Ok, NotAStruct> {
        Err(NotAStruct)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Self::Ok, NotAStruct> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Self::Ok, NotAStruct> {
        Err(NotAStruct)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Self::Ok, NotAStruct> {
        Err(NotAStruct)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
    ) -> Result<Self::Ok, NotAStruct> {
        Err(NotAStruct)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Self::Ok, NotAStruct> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<Self::Ok, NotAStruct> {
        Err(NotAStruct)
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<No, NotAStruct> {
        Err(NotAStruct)
    }
    fn serialize_tuple(self, _len: usize) -> Result<No, NotAStruct> {
        Err(NotAStruct)
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<No, NotAStruct> {
        Err(NotAStruct)
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<No, NotAStruct> {
        Err(NotAStruct)
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<No, NotAStruct> {
        Err(NotAStruct)
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<No, NotAStruct> {
        Err(NotAStruct)
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
